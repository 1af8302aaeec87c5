namespace DataVisor.Api.Ingestion;

/// <summary>One annotation file of an ingest: where it is, where its images are, and its split.</summary>
public sealed record IngestPart(int Index, string AnnotationPath, string ImageDir, string? Split)
{
    /// <summary>Contract §2.10: with a split, sample and annotation ids are prefixed <c>&lt;split&gt;_</c>.</summary>
    public string IdPrefix => Split is null ? string.Empty : $"{Split}_";
}

/// <summary>What the pass over one file staged. <see cref="SkippedLines"/> counts JSONL lines that were not usable records.</summary>
public sealed record StagedFile(long DeclaredCategories, long SkippedCategories, long StagedImages, long EscapingImages, long StagedAnnotations)
{
    public long SkippedLines { get; init; }
}

/// <summary>
/// Reads one COCO file with <see cref="CocoStreamReader"/> and appends every entry to the
/// <see cref="IngestStaging"/> tables as it goes, parsing on this thread while a
/// <see cref="StagingPipeline"/> appends on another, so memory holds a few row batches and the
/// appenders' current chunk, never the file. Checks that need one entry only happen here (ids, file names, D5 confinement,
/// D6 sizes); checks across entries (duplicate image ids, orphans) happen in SQL after the pass.
/// </summary>
public sealed class CocoFileStager(IngestStaging staging, IngestProgress progress, int readBufferSize = 64 * 1024)
{
    public async Task<StagedFile> StageAsync(IngestPart part, CancellationToken cancellationToken)
    {
        var path = part.AnnotationPath;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var reader = new CocoStreamReader(file, path, readBufferSize);
        await using var pipeline = new StagingPipeline(staging);

        // Categories are few (the label set); their ids are kept to let the first declaration win.
        var categoryIds = new HashSet<long>();
        long skippedCategories = 0, images = 0, escapingImages = 0, annotations = 0;
        while (true)
        {
            switch (reader.Read())
            {
                case CocoReadStatus.NeedMoreData:
                    cancellationToken.ThrowIfCancellationRequested();
                    await reader.FillAsync(cancellationToken);
                    await progress.KeepAliveIfIdleAsync(cancellationToken);
                    break;

                case CocoReadStatus.Category:
                    var category = reader.Category;
                    if (category is { Id: { } categoryId, Name: { } name })
                    {
                        if (categoryIds.Add(categoryId))
                        {
                            await pipeline.AddCategoryAsync(new StagedCategoryRow(part.Index, category.Index, categoryId, name), cancellationToken);
                        }
                    }
                    else
                    {
                        skippedCategories++;
                    }

                    break;

                case CocoReadStatus.Image:
                    var (image, kept) = StageImage(part, reader.Image);
                    await pipeline.AddImageAsync(image, cancellationToken);
                    if (kept)
                    {
                        await progress.RecordStagedAsync(CocoSection.Images, ++images, cancellationToken);
                    }
                    else
                    {
                        escapingImages++;
                    }

                    break;

                case CocoReadStatus.Annotation:
                    await pipeline.AddAnnotationAsync(StageAnnotation(part, reader.Annotation), cancellationToken);
                    await progress.RecordStagedAsync(CocoSection.Annotations, ++annotations, cancellationToken);
                    break;

                case CocoReadStatus.SectionEnd:
                    var section = reader.CompletedSection;
                    var count = section switch
                    {
                        CocoSection.Categories => categoryIds.Count,
                        CocoSection.Images => images,
                        _ => annotations,
                    };
                    await progress.SectionEndedAsync(section, count, cancellationToken);
                    break;

                case CocoReadStatus.End:
                    await pipeline.CompleteAsync();
                    return new StagedFile(categoryIds.Count, skippedCategories + reader.SkippedCategoryEntries, images, escapingImages, annotations);
            }
        }
    }

    /// <summary>One image's staged row; not kept when its file name leaves the image folder (D5): then it is staged only to be counted.</summary>
    private static (StagedImageRow Row, bool Kept) StageImage(IngestPart part, CocoImage image)
    {
        var path = part.AnnotationPath;
        if (image.IdMalformed)
        {
            throw new CocoFileException($"Invalid image id in {path} (images[{image.Index}]): an id must be a string or a number");
        }

        var id = image.Id ?? throw new CocoFileException($"Image without id in {path} (images[{image.Index}])");
        RequireAllowedId(id, "image", path, image.Index);
        if (string.IsNullOrEmpty(image.FileName))
        {
            throw new CocoFileException($"Image without file_name in {path} (images[{image.Index}])");
        }

        var sampleId = part.IdPrefix + id;
        var file = DataPaths.ResolveInside(part.ImageDir, image.FileName);
        if (file is null)
        {
            // Staged as skipped: the image still counts for duplicate ids, and its annotations are not orphans.
            return (new StagedImageRow(part.Index, image.Index, id, sampleId, image.FileName, part.ImageDir, part.Split, 0, 0, Skipped: true), false);
        }

        var (width, height) = (image.Width, image.Height);
        if (width is null || height is null)
        {
            var header = ImageDimensions.ReadOriented(file);
            width ??= header.Width;
            height ??= header.Height;
        }

        return (new StagedImageRow(part.Index, image.Index, id, sampleId, image.FileName, part.ImageDir, part.Split, width.Value, height.Value, Skipped: false), true);
    }

    private StagedAnnotationRow StageAnnotation(IngestPart part, CocoAnnotation annotation)
    {
        var path = part.AnnotationPath;
        if (annotation.IdMalformed)
        {
            throw new CocoFileException($"Invalid annotation id in {path} (annotations[{annotation.Index}]): an id must be a string or a number");
        }

        if (annotation.Id is { } id)
        {
            RequireAllowedId(id, "annotation", path, annotation.Index);
        }

        // A missing id gets a fresh UUID v4 now; a repeated or taken one gets it at publish.
        var rowId = annotation.Id is null ? Guid.NewGuid().ToString() : part.IdPrefix + annotation.Id;
        // No image id: an empty sample id, which no sample has, so the row counts as an orphan.
        var sampleId = annotation.ImageId is null ? string.Empty : part.IdPrefix + annotation.ImageId;
        var area = annotation.Area ?? annotation.Width * annotation.Height;
        return new StagedAnnotationRow(annotation, rowId, sampleId, CategoryPlaceholder(annotation.CategoryId), area);
    }

    // A file has a few dozen category ids and a million annotations: one placeholder string per id.
    private readonly Dictionary<long, string> _placeholders = [];

    private string CategoryPlaceholder(long? categoryId)
    {
        if (categoryId is not { } id)
        {
            return UnpublishedAnnotations.CategoryPlaceholder(null);
        }

        if (!_placeholders.TryGetValue(id, out var placeholder))
        {
            _placeholders[id] = placeholder = UnpublishedAnnotations.CategoryPlaceholder(id);
        }

        return placeholder;
    }

    // The entry's position is formatted only for the error: a million interpolated strings cost the
    // pass ~10 % for nothing.
    private static void RequireAllowedId(string id, string kind, string path, long index)
    {
        if (!CocoValues.IsAllowedId(id))
        {
            throw new CocoFileException(
                $"Invalid {kind} id '{id}' in {path} ({kind}s[{index}]): ids must not be empty or contain /, \\, ?, #, % or control characters");
        }
    }
}

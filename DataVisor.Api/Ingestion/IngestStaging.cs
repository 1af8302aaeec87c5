using DataVisor.Api.Storage;
using DuckDB.NET.Data;

namespace DataVisor.Api.Ingestion;

/// <summary>
/// Connection-local TEMP tables that one ingest fills during its single pass over the file, through
/// Appenders. Nobody else can see them and they vanish with the connection, so a failed or cancelled
/// ingest leaves nothing behind without any cleanup; the real tables are written only by
/// <see cref="IngestPublisher"/>, in one transaction. Annotations may reference images that come later in
/// the file, so they are resolved against the staged images with SQL after the pass.
/// The exception is the bulk of a COCO ingest, its annotations: <see cref="AppendAnnotation"/> writes them
/// once, straight into <c>annotations</c> as <see cref="UnpublishedAnnotations"/>.
/// </summary>
/// <remarks><c>part</c> numbers the annotation files of one ingest (R2 has one; R36 one per split).</remarks>
public sealed class IngestStaging : IDisposable
{
    private const string Ddl = """
        CREATE OR REPLACE TEMP TABLE staged_categories (
            part INTEGER NOT NULL,
            position BIGINT NOT NULL,
            category_id BIGINT NOT NULL,
            name VARCHAR NOT NULL
        );
        CREATE OR REPLACE TEMP TABLE staged_images (
            part INTEGER NOT NULL,
            position BIGINT NOT NULL,
            source_image_id VARCHAR NOT NULL,
            sample_id VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL,
            image_dir VARCHAR NOT NULL,
            split VARCHAR,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            skipped BOOLEAN NOT NULL
        );
        CREATE OR REPLACE TEMP TABLE staged_annotations (
            part INTEGER NOT NULL,
            seq BIGINT NOT NULL,
            candidate_id VARCHAR,
            image_id VARCHAR,
            category_id BIGINT,
            bbox_x DOUBLE NOT NULL,
            bbox_y DOUBLE NOT NULL,
            bbox_w DOUBLE NOT NULL,
            bbox_h DOUBLE NOT NULL,
            area DOUBLE NOT NULL,
            is_crowd BOOLEAN NOT NULL,
            category_name VARCHAR
        );
        CREATE OR REPLACE TEMP TABLE staged_sample_metadata (
            part INTEGER NOT NULL,
            sample_id VARCHAR NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            tags VARCHAR[] NOT NULL
        );
        """;

    private readonly DuckDBConnection _connection;
    private readonly string _datasetId;
    private DuckDBAppender? _categories;
    private DuckDBAppender? _images;
    private DuckDBAppender? _annotations;
    private DuckDBAppender? _sampleMetadata;
    private DuckDBAppender? _unpublishedAnnotations;

    // Columns another feature may have added to `annotations` after the 13 this appender writes.
    private int _laterAnnotationColumns = -1;

    // Appenders open on first use, so the parts of a multi-split import can each be staged and then
    // checked in SQL (which needs the appenders flushed) before the next part is read.
    private IngestStaging(DuckDBConnection connection, string datasetId) => (_connection, _datasetId) = (connection, datasetId);

    public static IngestStaging Create(DuckDBConnection connection, string datasetId)
    {
        using (var command = connection.CreateCommand())
        {
            command.CommandText = Ddl;
            command.ExecuteNonQuery();
        }

        return new IngestStaging(connection, datasetId);
    }

    public DuckDBConnection Connection => _connection;

    public void AppendCategory(int part, long position, long categoryId, string name) =>
        Open(ref _categories, "staged_categories").CreateRow()
            .AppendValue(part).AppendValue(position).AppendValue(categoryId).AppendValue(name)
            .EndRow();

    public void AppendImage(int part, long position, string sourceImageId, string sampleId, string fileName, string imageDir, string? split, int width, int height, bool skipped) =>
        Open(ref _images, "staged_images").CreateRow()
            .AppendValue(part).AppendValue(position).AppendValue(sourceImageId).AppendValue(sampleId)
            .AppendValue(fileName).AppendValue(imageDir).AppendValue(split).AppendValue(width).AppendValue(height)
            .AppendValue(skipped)
            .EndRow();

    /// <summary>A COCO annotation, appended as an unpublished row of <c>annotations</c> (see <see cref="UnpublishedAnnotations"/>).</summary>
    public void AppendAnnotation(in StagedAnnotationRow row)
    {
        if (_laterAnnotationColumns < 0)
        {
            _laterAnnotationColumns = Convert.ToInt32(
                _connection.Scalar("SELECT count(*) - 13 FROM information_schema.columns WHERE table_name = 'annotations' AND table_schema = 'main'"),
                System.Globalization.CultureInfo.InvariantCulture);
        }

        var annotation = row.Annotation;
        var appended = Open(ref _unpublishedAnnotations, "annotations").CreateRow()
            .AppendValue(row.Id).AppendValue(_datasetId).AppendValue(row.SampleId).AppendValue(row.CategoryPlaceholder)
            .AppendValue(annotation.X).AppendValue(annotation.Y).AppendValue(annotation.Width).AppendValue(annotation.Height)
            .AppendValue(row.Area).AppendValue(annotation.IsCrowd).AppendValue(GroundTruth).AppendNullValue().AppendValue(annotation.Index);
        for (var column = 0; column < _laterAnnotationColumns; column++)
        {
            appended = appended.AppendNullValue();
        }

        appended.EndRow();
    }

    private const string GroundTruth = "ground_truth";

    /// <summary>A classification label: no box, area 0, the category named directly.</summary>
    public void AppendLabel(int part, long sequence, string candidateId, string imageId, string? label) =>
        Open(ref _annotations, "staged_annotations").CreateRow()
            .AppendValue(part).AppendValue(sequence).AppendValue(candidateId).AppendValue(imageId).AppendNullValue()
            .AppendValue(0d).AppendValue(0d).AppendValue(0d).AppendValue(0d)
            .AppendValue(0d).AppendValue(false).AppendValue(label)
            .EndRow();

    /// <summary>
    /// Declares the distinct labels of a classification file as its categories, sorted ordinally (DuckDB
    /// compares strings by their bytes) and numbered from 0 (§2.4, D18). Call after <see cref="CompleteAppends"/>.
    /// </summary>
    public long DeclareLabelsAsCategories(int part)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = """
            INSERT INTO staged_categories (part, position, category_id, name)
            SELECT $part, n, n, category_name FROM (
                SELECT category_name, row_number() OVER (ORDER BY category_name) - 1 AS n
                FROM (SELECT DISTINCT category_name FROM staged_annotations WHERE part = $part AND category_name IS NOT NULL)
            )
            """;
        command.Parameters.Add(new DuckDBParameter("part", part));
        return command.ExecuteNonQuery();
    }

    /// <summary>
    /// Replaces the per-part label declarations with the sorted distinct labels of ALL parts, numbered from
    /// 0: a multi-split classification import declares the union (D18). Call after <see cref="CompleteAppends"/>.
    /// </summary>
    public void DeclareLabelUnionAsCategories()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = """
            DELETE FROM staged_categories;
            INSERT INTO staged_categories (part, position, category_id, name)
            SELECT 0, n, n, category_name FROM (
                SELECT category_name, row_number() OVER (ORDER BY category_name) - 1 AS n
                FROM (SELECT DISTINCT category_name FROM staged_annotations WHERE category_name IS NOT NULL)
            );
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>Metadata a plugin set on a staged sample; it replaces the staged size and tags at publish.</summary>
    public void AppendSampleMetadata(int part, string sampleId, int width, int height, IReadOnlyList<string> tags) =>
        Open(ref _sampleMetadata, "staged_sample_metadata").CreateRow()
            .AppendValue(part).AppendValue(sampleId).AppendValue(width).AppendValue(height).AppendValue(tags)
            .EndRow();

    /// <summary>Flushes the appenders; their rows are visible to SQL only after this.</summary>
    public void CompleteAppends()
    {
        foreach (var appender in (DuckDBAppender?[])[_categories, _images, _annotations, _sampleMetadata, _unpublishedAnnotations])
        {
            appender?.Close();
            appender?.Dispose();
        }

        _categories = _images = _annotations = _sampleMetadata = _unpublishedAnnotations = null;
    }

    public void Dispose()
    {
        foreach (var appender in (DuckDBAppender?[])[_categories, _images, _annotations, _sampleMetadata, _unpublishedAnnotations])
        {
            appender?.Dispose();
        }

        using var command = _connection.CreateCommand();
        command.CommandText = """
            DROP TABLE IF EXISTS staged_categories; DROP TABLE IF EXISTS staged_images;
            DROP TABLE IF EXISTS staged_annotations; DROP TABLE IF EXISTS staged_sample_metadata;
            """;
        try
        {
            command.ExecuteNonQuery();
        }
        catch (DuckDBException)
        {
            // The connection is about to close, which drops TEMP tables anyway.
        }
    }

    private DuckDBAppender Open(ref DuckDBAppender? appender, string table) =>
        appender ??= _connection.CreateAppender(table);
}

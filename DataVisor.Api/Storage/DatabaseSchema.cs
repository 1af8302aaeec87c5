using DuckDB.NET.Data;

namespace DataVisor.Api.Storage;

/// <summary>
/// The physical schema. Creation is idempotent and runs at every start. Primary keys are left out on
/// purpose: DuckDB's Appender is ~40% slower with them, and uniqueness is enforced by the code that writes.
/// </summary>
public static class DatabaseSchema
{
    private const string Ddl = """
        CREATE TABLE IF NOT EXISTS datasets (
            id VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            format VARCHAR NOT NULL,
            dataset_type VARCHAR NOT NULL,
            source_path VARCHAR NOT NULL,
            image_dir VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            image_count BIGINT NOT NULL,
            annotation_count BIGINT NOT NULL,
            prediction_count BIGINT NOT NULL,
            category_count BIGINT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS categories (
            dataset_id VARCHAR NOT NULL,
            category_id BIGINT NOT NULL,
            name VARCHAR NOT NULL
        );
        CREATE TABLE IF NOT EXISTS samples (
            dataset_id VARCHAR NOT NULL,
            id VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL,
            image_dir VARCHAR NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            split VARCHAR,
            tags VARCHAR[] NOT NULL,
            source_image_id VARCHAR NOT NULL,
            position BIGINT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS annotations (
            id VARCHAR NOT NULL,
            dataset_id VARCHAR NOT NULL,
            sample_id VARCHAR NOT NULL,
            category_name VARCHAR NOT NULL,
            bbox_x DOUBLE NOT NULL,
            bbox_y DOUBLE NOT NULL,
            bbox_w DOUBLE NOT NULL,
            bbox_h DOUBLE NOT NULL,
            area DOUBLE NOT NULL,
            is_crowd BOOLEAN NOT NULL,
            source VARCHAR NOT NULL,
            confidence DOUBLE,
            seq BIGINT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS saved_views (
            id VARCHAR NOT NULL,
            dataset_id VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            filters JSON NOT NULL,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        );
        CREATE TABLE IF NOT EXISTS annotation_triage (
            dataset_id VARCHAR NOT NULL,
            annotation_id VARCHAR NOT NULL,
            sample_id VARCHAR NOT NULL,
            label VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        );
        CREATE SEQUENCE IF NOT EXISTS saved_views_creation_order;
        ALTER TABLE saved_views ADD COLUMN IF NOT EXISTS creation_order BIGINT;
        ALTER TABLE samples ADD COLUMN IF NOT EXISTS rank_id BIGINT;
        ALTER TABLE samples ADD COLUMN IF NOT EXISTS rank_file_name BIGINT;
        ALTER TABLE samples ADD COLUMN IF NOT EXISTS rank_width BIGINT;
        ALTER TABLE samples ADD COLUMN IF NOT EXISTS rank_height BIGINT;
        ALTER TABLE samples ADD COLUMN IF NOT EXISTS rank_split BIGINT;
        ALTER TABLE samples ADD COLUMN IF NOT EXISTS rank_split_desc BIGINT;
        ALTER TABLE samples ADD COLUMN IF NOT EXISTS file_name_folded VARCHAR;
        CREATE TABLE IF NOT EXISTS sample_categories (
            dataset_id VARCHAR NOT NULL,
            category_name VARCHAR NOT NULL,
            rank_id BIGINT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS annotation_counts (
            dataset_id VARCHAR NOT NULL,
            split VARCHAR,
            category_name VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            annotation_count BIGINT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS embeddings (
            dataset_id VARCHAR NOT NULL,
            sample_id VARCHAR NOT NULL,
            model_name VARCHAR NOT NULL,
            vector FLOAT[] NOT NULL,
            x DOUBLE,
            y DOUBLE,
            reduction_method VARCHAR
        );
        CREATE TABLE IF NOT EXISTS embedding_active_models (
            dataset_id VARCHAR NOT NULL,
            model_name VARCHAR NOT NULL,
            generated_at TIMESTAMP NOT NULL
        );
        """;

    /// <summary>
    /// Databases written before the browse snapshot held split and sort-rank copies in
    /// <c>sample_categories</c> (ten columns); only dataset, category and rank are read now. The rows are
    /// kept, so no dataset needs its browse index rebuilt.
    /// </summary>
    private const string SlimSampleCategories = """
        CREATE TABLE sample_categories_slim AS
            SELECT dataset_id, category_name, rank_id FROM sample_categories;
        DROP TABLE sample_categories;
        ALTER TABLE sample_categories_slim RENAME TO sample_categories;
        """;

    public static void EnsureCreated(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Ddl;
        command.ExecuteNonQuery();
        command.CommandText = """
            SELECT count(*) FROM information_schema.columns
            WHERE table_schema = 'main' AND table_name = 'sample_categories' AND column_name = 'sample_id'
            """;
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0)
        {
            using var transaction = connection.BeginTransaction();
            command.CommandText = SlimSampleCategories;
            command.ExecuteNonQuery();
            transaction.Commit();
        }
    }
}

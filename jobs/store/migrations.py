"""The schema's numbered migrations: each step is applied once, in order, by
``jobs.store.schema.ensure_schema``, and recorded in schema_migrations."""

from __future__ import annotations

# Each step is applied once, in order, and recorded in schema_migrations.
# A shipped step is never edited: schema changes are appended as new steps.
MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_core",
        """
        CREATE TABLE sources (
            source_id      VARCHAR PRIMARY KEY,
            name           VARCHAR NOT NULL,
            kind           VARCHAR NOT NULL,
            location       VARCHAR NOT NULL,
            etag           VARCHAR,
            last_modified  VARCHAR,
            last_polled_at TIMESTAMP,
            last_error     VARCHAR
        );
        COMMENT ON TABLE sources IS 'Where articles come from: folders, files, dumps, feeds, pages.';

        CREATE TABLE articles (
            article_id   VARCHAR PRIMARY KEY,
            source_id    VARCHAR NOT NULL,
            external_id  VARCHAR,
            url          VARCHAR NOT NULL,
            title        VARCHAR NOT NULL,
            text         VARCHAR NOT NULL,
            published_at TIMESTAMP NOT NULL,
            date_source  VARCHAR NOT NULL,
            story_id     VARCHAR NOT NULL,
            content_hash VARCHAR NOT NULL,
            ingested_at  TIMESTAMP NOT NULL,
            gazetteer_version VARCHAR
        );
        COMMENT ON TABLE articles IS 'One row per distinct article. Times are UTC.';
        COMMENT ON COLUMN articles.published_at IS 'Publication time in UTC (see date_source).';
        COMMENT ON COLUMN articles.date_source IS
            'Where published_at came from: source (feed/metadata/dump field), filename, or ingested (no date: ingestion time).';
        COMMENT ON COLUMN articles.story_id IS 'Articles telling the same story share a story_id.';
        COMMENT ON COLUMN articles.gazetteer_version IS 'Version of seeds/ the mentions were extracted with; NULL = not yet extracted.';
        CREATE INDEX articles_content_hash ON articles (content_hash);
        CREATE INDEX articles_url ON articles (url);

        CREATE TABLE entities (
            entity_id VARCHAR PRIMARY KEY,
            kind      VARCHAR NOT NULL,
            name      VARCHAR NOT NULL,
            country   VARCHAR
        );
        COMMENT ON TABLE entities IS 'Countries (entity_id = ISO alpha-3) and leaders (entity_id = canonical name).';

        CREATE TABLE aliases (
            alias     VARCHAR NOT NULL,
            entity_id VARCHAR NOT NULL,
            kind      VARCHAR NOT NULL,
            form      VARCHAR NOT NULL
        );
        COMMENT ON TABLE aliases IS 'Every string the extractor looks for, and what it means.';

        CREATE TABLE leader_terms (
            entity_id VARCHAR NOT NULL,
            country   VARCHAR NOT NULL,
            role      VARCHAR NOT NULL,
            office    VARCHAR NOT NULL,
            start_on  DATE NOT NULL,
            end_on    DATE
        );
        COMMENT ON TABLE leader_terms IS 'Terms in office; end_on NULL while in office.';

        CREATE TABLE mentions (
            article_id VARCHAR NOT NULL,
            entity_id  VARCHAR NOT NULL,
            kind       VARCHAR NOT NULL,
            field      VARCHAR NOT NULL,
            start_pos  INTEGER NOT NULL,
            end_pos    INTEGER NOT NULL,
            surface    VARCHAR NOT NULL,
            form       VARCHAR NOT NULL,
            rule       VARCHAR NOT NULL
        );
        COMMENT ON TABLE mentions IS
            'One row per occurrence: [start_pos, end_pos) are character offsets into articles.title or articles.text (see field).';
        CREATE INDEX mentions_article ON mentions (article_id);
        CREATE INDEX mentions_entity ON mentions (entity_id);

        CREATE SEQUENCE job_runs_seq;
        CREATE TABLE job_runs (
            run_id      BIGINT PRIMARY KEY DEFAULT nextval('job_runs_seq'),
            job         VARCHAR NOT NULL,
            started_at  TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            status      VARCHAR NOT NULL,
            articles_seen  BIGINT DEFAULT 0,
            articles_new   BIGINT DEFAULT 0,
            mentions_new   BIGINT DEFAULT 0,
            errors      BIGINT DEFAULT 0,
            message     VARCHAR
        );
        COMMENT ON TABLE job_runs IS 'Every run of every job (CLI or scheduler): status is ok, failed or skipped.';

        CREATE SEQUENCE reports_seq;
        CREATE TABLE reports (
            report_id  BIGINT PRIMARY KEY DEFAULT nextval('reports_seq'),
            period     VARCHAR NOT NULL,
            start_on   DATE NOT NULL,
            end_on     DATE NOT NULL,
            path       VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            UNIQUE (period, start_on)
        );
        COMMENT ON TABLE reports IS 'Reports rendered so far; end_on is the last day covered.';

        CREATE TABLE ingest_errors (
            source_id VARCHAR NOT NULL,
            location  VARCHAR NOT NULL,
            reason    VARCHAR NOT NULL,
            failed_at TIMESTAMP NOT NULL
        );
        COMMENT ON TABLE ingest_errors IS 'Inputs that could not be ingested, and why.';

        CREATE TABLE settings_state (
            key   VARCHAR PRIMARY KEY,
            value VARCHAR NOT NULL
        );
        """,
    ),
    (
        "0002_views",
        """
        CREATE VIEW article_mentions AS
        SELECT m.*, e.name, e.country AS entity_country, a.published_at, a.title, a.url,
               a.story_id, a.date_source
        FROM mentions m
        JOIN articles a USING (article_id)
        JOIN entities e USING (entity_id);

        CREATE VIEW daily_articles AS
        SELECT CAST(published_at AS DATE) AS day, count(*) AS articles,
               count(DISTINCT story_id) AS stories
        FROM articles GROUP BY 1;

        CREATE VIEW daily_mentions AS
        SELECT CAST(a.published_at AS DATE) AS day, m.entity_id, e.kind, e.name,
               count(*) AS mentions,
               count(DISTINCT m.article_id) AS articles,
               count(DISTINCT a.story_id) AS stories
        FROM mentions m
        JOIN articles a USING (article_id)
        JOIN entities e USING (entity_id)
        GROUP BY ALL;

        CREATE VIEW daily_shares AS
        SELECT d.day, d.entity_id, d.kind, d.name, d.mentions, d.articles, t.articles AS total_articles,
               d.articles / t.articles AS share_of_articles
        FROM daily_mentions d JOIN daily_articles t USING (day);

        CREATE VIEW country_mentions AS
        SELECT m.article_id, coalesce(e.country, m.entity_id) AS country, m.entity_id, m.kind,
               m.form, m.field, m.start_pos, m.end_pos, m.surface
        FROM mentions m JOIN entities e USING (entity_id);
        """,
    ),
    (
        "0003_gazetteer_strings",
        """
        CREATE TABLE gazetteer_strings (
            gazetteer_version VARCHAR NOT NULL,
            string            VARCHAR NOT NULL,
            fingerprint       VARCHAR NOT NULL
        );
        COMMENT ON TABLE gazetteer_strings IS
            'Per version of seeds/: every string looked for and a fingerprint of what it means. Articles holding none of the strings that changed between two versions keep their mentions.';

        CREATE TABLE pending_mentions (
            gazetteer_version VARCHAR NOT NULL,
            article_id VARCHAR NOT NULL,
            entity_id  VARCHAR NOT NULL,
            kind       VARCHAR NOT NULL,
            field      VARCHAR NOT NULL,
            start_pos  INTEGER NOT NULL,
            end_pos    INTEGER NOT NULL,
            surface    VARCHAR NOT NULL,
            form       VARCHAR NOT NULL,
            rule       VARCHAR NOT NULL
        );
        COMMENT ON TABLE pending_mentions IS
            'Mentions of a re-extraction in progress; swapped into mentions in one transaction when it completes.';

        CREATE TABLE pending_articles (
            gazetteer_version VARCHAR NOT NULL,
            article_id  VARCHAR NOT NULL,
            reextracted BOOLEAN NOT NULL
        );
        COMMENT ON TABLE pending_articles IS
            'Articles a re-extraction in progress has done: re-extracted (new mentions pending) or only re-stamped (no string of theirs changed meaning).';
        """,
    ),
    (
        "0004_article_site_name",
        """
        ALTER TABLE articles ADD COLUMN site_name VARCHAR;
        COMMENT ON COLUMN articles.site_name IS 'The outlet as the source names it (feed title, page site name, dump source field); NULL if unknown.';
        """,
    ),
    (
        "0005_source_files",
        """
        CREATE TABLE source_files (
            source_id VARCHAR NOT NULL,
            path      VARCHAR NOT NULL,
            size      BIGINT NOT NULL,
            mtime_ns  BIGINT NOT NULL,
            sha256    VARCHAR NOT NULL,
            read_at   TIMESTAMP NOT NULL,
            PRIMARY KEY (source_id, path)
        );
        COMMENT ON TABLE source_files IS 'Files of folder and dump sources read to the end: an unchanged file (same size and mtime, or same hash) is skipped next time.';
        """,
    ),
    (
        "0006_story_signatures",
        """
        CREATE TABLE story_signatures (
            article_id   VARCHAR PRIMARY KEY,
            published_at TIMESTAMP NOT NULL,
            shingles      INTEGER NOT NULL,
            long_shingles INTEGER NOT NULL,
            signature     BLOB NOT NULL
        );
        COMMENT ON TABLE story_signatures IS 'MinHash sketches of each article with enough text (256 little-endian uint32: 5-word then 12-word shingles) and their shingle counts, for grouping near duplicates into stories.';
        CREATE TABLE story_bands (
            band_key   BIGINT NOT NULL,
            article_id VARCHAR NOT NULL
        );
        COMMENT ON TABLE story_bands IS 'LSH band keys of story_signatures: articles sharing a key are candidate near duplicates.';
        """,
    ),
    (
        "0007_job_runs_pid",
        """
        ALTER TABLE job_runs ADD COLUMN pid INTEGER;
        COMMENT ON COLUMN job_runs.pid IS 'Process that ran the job: a running row whose process is gone is marked interrupted when the scheduler starts.';
        """,
    ),
    (
        "0008_latest_job_runs",
        """
        CREATE VIEW latest_job_runs AS
        SELECT * FROM job_runs
        QUALIFY row_number() OVER (PARTITION BY job ORDER BY started_at DESC, run_id DESC) = 1;
        COMMENT ON VIEW latest_job_runs IS 'The newest run of every job: did last night''s ingest work?';
        """,
    ),
    (
        "0009_report_details",
        """
        ALTER TABLE reports ADD COLUMN forms VARCHAR;
        ALTER TABLE reports ADD COLUMN articles BIGINT;
        COMMENT ON COLUMN reports.forms IS 'The counting policy of the report: the forms counted for a country (see mentions report --forms).';
        COMMENT ON COLUMN reports.articles IS 'Articles published in the period.';
        """,
    ),
    (
        "0010_job_runs_process",
        """
        ALTER TABLE job_runs ADD COLUMN host VARCHAR;
        ALTER TABLE job_runs ADD COLUMN process_started VARCHAR;
        COMMENT ON COLUMN job_runs.host IS 'Machine that ran the job (with pid and process_started: is the run still alive?).';
        COMMENT ON COLUMN job_runs.process_started IS 'Start time of the process pid (clock ticks since boot), so a reused pid is not taken for the run''s process; NULL where unknown.';
        """,
    ),
    (
        "0011_daily_aggregates",
        """
        CREATE TABLE daily_entity_forms (
            day DATE NOT NULL, entity_id VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            form VARCHAR NOT NULL, articles BIGINT NOT NULL, mentions BIGINT NOT NULL
        );
        COMMENT ON TABLE daily_entity_forms IS 'Per day of published_at, entity and form: the distinct articles and the mentions. Kept in the transaction that changes mentions; mentions check compares it with a direct count.';
        CREATE TABLE daily_entities (
            day DATE NOT NULL, entity_id VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            articles BIGINT NOT NULL, mentions BIGINT NOT NULL
        );
        COMMENT ON TABLE daily_entities IS 'Per day of published_at and entity: the distinct articles mentioning it by any form, and the mentions (what a timeline counting every form reads).';
        CREATE TABLE daily_totals (day DATE NOT NULL, articles BIGINT NOT NULL);
        COMMENT ON TABLE daily_totals IS 'Per day of published_at: the articles stored (the denominator of shares).';
        INSERT INTO daily_entity_forms
        SELECT CAST(a.published_at AS DATE), m.entity_id, m.kind, m.form,
               count(DISTINCT m.article_id), count(*)
        FROM mentions m JOIN articles a USING (article_id) GROUP BY ALL;
        INSERT INTO daily_entities
        SELECT CAST(a.published_at AS DATE), m.entity_id, m.kind,
               count(DISTINCT m.article_id), count(*)
        FROM mentions m JOIN articles a USING (article_id) GROUP BY ALL;
        INSERT INTO daily_totals
        SELECT CAST(published_at AS DATE), count(*) FROM articles GROUP BY ALL;
        """,
    ),
    (
        # DuckDB writes a table's ART indexes whole at every checkpoint: on mentions (40
        # rows an article) that grew each batch's commit to 8 s at 400k articles. Lookups
        # by article or entity scan the column instead (mentions are stored in article
        # order; the explorer reads the per-day aggregates).
        "0012_no_mention_indexes",
        """
        DROP INDEX IF EXISTS mentions_article;
        DROP INDEX IF EXISTS mentions_entity;
        """,
    ),
    (
        # The same on articles: content_hash and url are looked up once a batch (a column
        # scan, tens of ms at a million articles), and their indexes made every batch's
        # commit longer (16,000 articles into a million-article store: 31-35 s with them,
        # 29 s without). The primary keys stay: they guard idempotence.
        "0013_no_article_indexes",
        """
        DROP INDEX IF EXISTS articles_content_hash;
        DROP INDEX IF EXISTS articles_url;
        """,
    ),
    (
        # Each batch looks up its band keys among the stored ones; only articles within
        # the story window can join a story, so the bands carry their article's day and
        # the lookup reads only the row groups of those days (bands are stored in
        # arrival order, which for news is about publication order): at a million
        # articles 0.15-0.19 s a batch without, 0.01 s with.
        "0014_story_band_days",
        """
        ALTER TABLE story_bands RENAME TO story_bands_before_days;
        CREATE TABLE story_bands (
            band_key   BIGINT NOT NULL,
            article_id VARCHAR NOT NULL,
            day        DATE NOT NULL
        );
        INSERT INTO story_bands
        SELECT b.band_key, b.article_id, CAST(s.published_at AS DATE) AS day
        FROM story_bands_before_days b JOIN story_signatures s USING (article_id)
        ORDER BY day, b.article_id;
        DROP TABLE story_bands_before_days;
        COMMENT ON TABLE story_bands IS 'LSH band keys of story_signatures: articles sharing a key are candidate near duplicates.';
        COMMENT ON COLUMN story_bands.day IS 'UTC day the article was published: a batch looks up keys only within the story window of its own days.';
        """,
    ),
    (
        # A report reads the mentions of its window's articles, and its evidence those of
        # a few articles of its period; with no date of their own, both scanned every
        # mention of the file (40 M at a million articles). Mentions carry their article's
        # day, so DuckDB reads only the row groups of the days asked for (mentions are
        # stored in arrival order, which for news is about publication order). They keep
        # that order: sorting 40 M rows by day took 8 GB at a million articles, 22 s.
        "0015_mention_days",
        """
        ALTER TABLE mentions RENAME TO mentions_before_days;
        CREATE TABLE mentions (
            article_id VARCHAR NOT NULL,
            entity_id  VARCHAR NOT NULL,
            kind       VARCHAR NOT NULL,
            field      VARCHAR NOT NULL,
            start_pos  INTEGER NOT NULL,
            end_pos    INTEGER NOT NULL,
            surface    VARCHAR NOT NULL,
            form       VARCHAR NOT NULL,
            rule       VARCHAR NOT NULL,
            day        DATE NOT NULL
        );
        INSERT INTO mentions
        SELECT m.*, CAST(a.published_at AS DATE) AS day
        FROM mentions_before_days m JOIN articles a USING (article_id);
        DROP TABLE mentions_before_days;
        COMMENT ON TABLE mentions IS 'One row per occurrence: [start_pos, end_pos) are character offsets into articles.title or articles.text (see field).';
        COMMENT ON COLUMN mentions.day IS 'UTC day its article was published (articles.published_at): a read of some days skips the row groups of the others.';
        """,
    ),
    (
        # DuckDB writes a table's ART indexes whole at every checkpoint, and an ingest
        # checkpoints once a batch: the primary key of story_signatures made each batch's
        # store longer as the file grew. A signature is stored only with its new article,
        # in the same transaction, so the key of articles keeps them unique already.
        "0016_no_signature_key",
        """
        ALTER TABLE story_signatures RENAME TO story_signatures_keyed;
        CREATE TABLE story_signatures (
            article_id    VARCHAR NOT NULL,
            published_at  TIMESTAMP NOT NULL,
            shingles      INTEGER NOT NULL,
            long_shingles INTEGER NOT NULL,
            signature     BLOB NOT NULL
        );
        INSERT INTO story_signatures SELECT * FROM story_signatures_keyed;
        DROP TABLE story_signatures_keyed;
        COMMENT ON TABLE story_signatures IS 'MinHash sketches of each article with enough text (256 little-endian uint32: 5-word then 12-word shingles) and their shingle counts, for grouping near duplicates into stories; one row per article (its key is that of articles).';
        """,
    ),
    (
        # Each batch asks which of its articles are stored already, by id and by content
        # hash; scanning those strings grew with the file (jobs.store.articles). Their
        # 64-bit digests answer it first, and only a shared digest reads the strings.
        "0017_article_keys",
        """
        CREATE TABLE article_keys (
            id_key   UBIGINT NOT NULL,
            hash_key UBIGINT NOT NULL
        );
        INSERT INTO article_keys
        SELECT md5_number_lower(article_id), md5_number_lower(content_hash) FROM articles;
        COMMENT ON TABLE article_keys IS 'One row per stored article: md5_number_lower of its article_id and of its content_hash, written with the article; an ingest looks its batch up here before it reads the strings.';
        """,
    ),
)

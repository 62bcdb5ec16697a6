import GRDB

extension CaseStore {
    /// The schema's history. Never edit a shipped migration: add the next one.
    ///
    /// v1 tables:
    /// - `run`: one row per `trawl analyze`/`tail` run, with its inputs and summary.
    /// - `account_day`: features (JSON object by feature name), evidence (JSON), score
    ///   and flag per account and UTC day; `last_run_id` is the last run that changed it.
    /// - `rule_hit`: the rules that fired for an account day, with explanation and the
    ///   feature values they read (JSON).
    /// - `abuse_case`: one row per case, unique by (kind, subject), with lifecycle status.
    /// - `case_evidence`: request ids, addresses and user agents behind each flagged day.
    /// - `case_note`, `audit`: analysts' notes and every change to a case.
    ///
    /// v2: rule hits move into `account_day.hits`, one JSON array per account day (by
    /// rule id bytes: `{"explanation", "feature_values", "rule_id", "tags", "title",
    /// "weight"}`), and `rule_hit` becomes a view over it with the same columns. A batch
    /// run wrote four rule_hit rows (and their primary-key index entries) per flagged
    /// account day; as one column of a row it writes anyway, recording takes half the
    /// time on GeoIP runs.
    ///
    /// v3_clusters: cases of kind `cluster` (reseller clusters: linked accounts).
    /// - `abuse_case.merged_into`: the case a cluster case was merged into, when a later run
    ///   found its accounts in one cluster with another case's (`NULL` otherwise).
    /// - `cluster_member`: the accounts of a cluster case, with the first and last day each
    ///   was found in it, its own score and flag when last found, and whether it is in the
    ///   cluster as last found (`active`; 0 once it left, or its case was merged).
    /// - `cluster_day`: the cluster's features (JSON), score and rule hits (as
    ///   `account_day.hits`) per input, keyed by the input's last day.
    /// - `cluster_link`: the evidence that links the members: per input, each shared value
    ///   (`kind`: address, network, coactivity, session, client, template, payment,
    ///   signup), its bits of evidence, how many accounts hold it in the whole input, and
    ///   the members that share it (JSON array of account ids).
    /// v4_run_inputs: what produced a run, for case files. `run` gains `trawl_version` and
    /// `rules_version` (`sha256:` and the hex digest of the rules folder; both NULL for runs
    /// recorded before v4_run_inputs), and `run_input` holds each input file a run read, in order:
    /// path as given (`-` for standard input), bytes read and the SHA-256 of those bytes
    /// (64 lowercase hex digits).
    /// v5_tail: the checkpoint of a live run (`trawl tail`), written in one transaction:
    /// - `tail_stream`: per followed stream of log content, its file (path, device, inode),
    ///   its head (length and stable hash of its first bytes, as signed 64-bit), the bytes
    ///   consumed and whether it is finished (see `StreamPosition`).
    /// - `tail_bucket`: per account, window (span in ms) and bucket number, the bucket's
    ///   feature state in its binary form (`AccountDayState.encoded()`).
    /// - `tail_alert`: per account or cluster, the highest alert band reached, so that a
    ///   restarted run does not raise an alert again.
    /// - `tail_meta`: the watermark (latest request time applied), the run, the windows.
    ///
    /// Times are RFC 3339 UTC text with milliseconds; days are `YYYY-MM-DD`.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        started_at TEXT NOT NULL,
                        finished_at TEXT,
                        inputs TEXT NOT NULL,
                        input_digest TEXT NOT NULL,
                        lines_read INTEGER,
                        bad_lines INTEGER,
                        bad_by_reason TEXT,
                        accounts INTEGER,
                        cases_opened INTEGER,
                        cases_updated INTEGER,
                        status TEXT NOT NULL DEFAULT 'running'
                            CHECK (status IN ('running', 'completed', 'failed', 'interrupted'))
                    );

                    CREATE TABLE account_day (
                        account_id TEXT NOT NULL,
                        day TEXT NOT NULL,
                        features TEXT NOT NULL,
                        evidence TEXT NOT NULL,
                        score REAL NOT NULL,
                        flagged INTEGER NOT NULL CHECK (flagged IN (0, 1)),
                        bias REAL NOT NULL,
                        last_run_id INTEGER NOT NULL REFERENCES run(id),
                        PRIMARY KEY (account_id, day)
                    );
                    -- account_day and rule_hit keep rowids: their rows (JSON features and
                    -- evidence, about 1 KB) are far past the ~200 bytes where SQLite's
                    -- WITHOUT ROWID tables pay off, and as WITHOUT ROWID they took 2-3 times
                    -- the space and write time.
                    CREATE INDEX account_day_on_last_run_id ON account_day(last_run_id);

                    CREATE TABLE rule_hit (
                        account_id TEXT NOT NULL,
                        day TEXT NOT NULL,
                        rule_id TEXT NOT NULL,
                        title TEXT NOT NULL,
                        weight REAL NOT NULL,
                        tags TEXT NOT NULL,
                        explanation TEXT NOT NULL,
                        feature_values TEXT NOT NULL,
                        PRIMARY KEY (account_id, day, rule_id),
                        FOREIGN KEY (account_id, day) REFERENCES account_day(account_id, day) ON DELETE CASCADE
                    );

                    CREATE TABLE abuse_case (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL CHECK (kind IN ('account', 'cluster')),
                        subject TEXT NOT NULL,
                        status TEXT NOT NULL
                            CHECK (status IN ('open', 'triaged', 'confirmed', 'dismissed', 'enforced')),
                        score REAL NOT NULL,
                        last_score REAL NOT NULL,
                        title TEXT NOT NULL,
                        tags TEXT NOT NULL,
                        first_day TEXT NOT NULL,
                        last_day TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL,
                        UNIQUE (kind, subject)
                    );
                    CREATE INDEX abuse_case_on_status ON abuse_case(status);
                    CREATE INDEX abuse_case_on_score ON abuse_case(score);

                    CREATE TABLE case_evidence (
                        case_id INTEGER NOT NULL REFERENCES abuse_case(id) ON DELETE CASCADE,
                        day TEXT NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('request_id', 'ip', 'user_agent')),
                        value TEXT NOT NULL,
                        count INTEGER NOT NULL,
                        PRIMARY KEY (case_id, day, kind, value)
                    ) WITHOUT ROWID;

                    CREATE TABLE case_note (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        case_id INTEGER NOT NULL REFERENCES abuse_case(id) ON DELETE CASCADE,
                        author TEXT NOT NULL,
                        text TEXT NOT NULL,
                        created_at TEXT NOT NULL
                    );
                    CREATE INDEX case_note_on_case_id ON case_note(case_id);

                    CREATE TABLE audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        case_id INTEGER REFERENCES abuse_case(id) ON DELETE SET NULL,
                        at TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        field TEXT,
                        old_value TEXT,
                        new_value TEXT
                    );
                    CREATE INDEX audit_on_case_id ON audit(case_id);
                    """)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE account_day ADD COLUMN hits TEXT NOT NULL DEFAULT '[]'")
            // The hits are rewritten in Swift, by the recorder's own JSON writer: SQLite's
            // json_object would write 1.0 for a weight of 1 and round to 15 digits, and the
            // first run after the upgrade would then rewrite every day with hits.
            let update = try db.makeStatement(sql: "UPDATE account_day SET hits = ? WHERE account_id = ? AND day = ?")
            var current: (account: String, day: String)?
            var hits: [StorageFormat.HitText] = []
            func flush() throws {
                guard let c = current, !hits.isEmpty else { return }
                try update.execute(arguments: [StorageFormat.json(hits), c.account, c.day])
            }
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT account_id, day, rule_id, title, weight, tags, explanation, feature_values
                    FROM rule_hit ORDER BY account_id, day, rule_id
                    """)
            while let r = try rows.next() {
                let key = (account: r[0] as String, day: r[1] as String)
                if let c = current, !StorageFormat.same(c.account, key.account) || !StorageFormat.same(c.day, key.day) {
                    try flush()
                    hits = []
                }
                current = key
                hits.append(
                    StorageFormat.HitText(ruleID: r[2], title: r[3], weight: r[4], tags: r[5], explanation: r[6], values: r[7]))
            }
            try flush()
            try db.execute(
                sql: """
                    DROP TABLE rule_hit;
                    CREATE VIEW rule_hit AS
                        SELECT a.account_id AS account_id, a.day AS day,
                            json_extract(j.value, '$.rule_id') AS rule_id,
                            json_extract(j.value, '$.title') AS title,
                            json_extract(j.value, '$.weight') AS weight,
                            json_extract(j.value, '$.tags') AS tags,
                            json_extract(j.value, '$.explanation') AS explanation,
                            json_extract(j.value, '$.feature_values') AS feature_values
                        FROM account_day a, json_each(a.hits) j;
                    """)
        }
        migrator.registerMigration("v3_clusters") { db in
            try db.execute(
                sql: """
                    ALTER TABLE abuse_case ADD COLUMN merged_into INTEGER REFERENCES abuse_case(id) ON DELETE SET NULL;

                    CREATE TABLE cluster_member (
                        case_id INTEGER NOT NULL REFERENCES abuse_case(id) ON DELETE CASCADE,
                        account_id TEXT NOT NULL,
                        first_day TEXT NOT NULL,
                        last_day TEXT NOT NULL,
                        score REAL NOT NULL,
                        flagged INTEGER NOT NULL CHECK (flagged IN (0, 1)),
                        active INTEGER NOT NULL CHECK (active IN (0, 1)),
                        PRIMARY KEY (case_id, account_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX cluster_member_on_account_id ON cluster_member(account_id);

                    CREATE TABLE cluster_day (
                        case_id INTEGER NOT NULL REFERENCES abuse_case(id) ON DELETE CASCADE,
                        day TEXT NOT NULL,
                        first_day TEXT NOT NULL,
                        members INTEGER NOT NULL,
                        features TEXT NOT NULL,
                        score REAL NOT NULL,
                        flagged INTEGER NOT NULL CHECK (flagged IN (0, 1)),
                        bias REAL NOT NULL,
                        hits TEXT NOT NULL,
                        last_run_id INTEGER NOT NULL REFERENCES run(id),
                        PRIMARY KEY (case_id, day)
                    );

                    CREATE TABLE cluster_link (
                        case_id INTEGER NOT NULL REFERENCES abuse_case(id) ON DELETE CASCADE,
                        day TEXT NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('address', 'network', 'coactivity', 'session', 'client',
                            'template', 'payment', 'signup')),
                        value TEXT NOT NULL,
                        bits REAL NOT NULL,
                        holders INTEGER NOT NULL,
                        accounts TEXT NOT NULL,
                        PRIMARY KEY (case_id, day, kind, value)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v4_run_inputs") { db in
            try db.execute(
                sql: """
                    ALTER TABLE run ADD COLUMN trawl_version TEXT;
                    ALTER TABLE run ADD COLUMN rules_version TEXT;
                    CREATE TABLE run_input (
                        run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,
                        path TEXT NOT NULL,
                        size INTEGER NOT NULL CHECK (size >= 0),
                        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                        PRIMARY KEY (run_id, position)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v5_tail") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tail_stream (
                        id INTEGER PRIMARY KEY,
                        path TEXT NOT NULL,
                        device INTEGER NOT NULL,
                        inode INTEGER NOT NULL,
                        head_length INTEGER NOT NULL,
                        head_hash INTEGER NOT NULL,
                        consumed INTEGER NOT NULL,
                        finished INTEGER NOT NULL CHECK (finished IN (0, 1)),
                        last_read TEXT NOT NULL
                    );

                    -- Rowid table: states are 0.2-5 KB, past where WITHOUT ROWID pays off.
                    CREATE TABLE tail_bucket (
                        account_id TEXT NOT NULL,
                        span_ms INTEGER NOT NULL,
                        bucket INTEGER NOT NULL,
                        state BLOB NOT NULL,
                        PRIMARY KEY (account_id, span_ms, bucket)
                    );
                    CREATE INDEX tail_bucket_on_span_ms_bucket ON tail_bucket(span_ms, bucket);

                    CREATE TABLE tail_alert (
                        kind TEXT NOT NULL CHECK (kind IN ('account', 'cluster')),
                        subject TEXT NOT NULL,
                        band INTEGER NOT NULL,
                        score REAL NOT NULL,
                        at TEXT NOT NULL,
                        PRIMARY KEY (kind, subject)
                    ) WITHOUT ROWID;

                    CREATE TABLE tail_meta (
                        key TEXT PRIMARY KEY,
                        value TEXT NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        return migrator
    }()

    /// The tables of the current schema, for checks and dumps.
    static let tables = [
        "run", "run_input", "account_day", "abuse_case", "case_evidence", "case_note", "audit", "cluster_member", "cluster_day",
        "cluster_link", "tail_stream", "tail_bucket", "tail_alert", "tail_meta",
    ]
    /// The views of the current schema.
    static let views = ["rule_hit"]
}

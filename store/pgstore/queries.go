package pgstore

import "strings"

// queries holds the SQL for one schema.
type queries struct {
	schema                                     []string
	initMeta, head, headForUpdate, bump        string
	accountRev, setAccount, accounts, entities string
	deleteEntities, putEntities, insertChange  string
	changes, compact, setCompacted, notify     string
}

func newQueries(schema string) queries {
	r := strings.NewReplacer("$S", `"`+schema+`"`)
	q := func(s string) string { return r.Replace(s) }
	return queries{
		schema: []string{
			q(`CREATE SCHEMA IF NOT EXISTS $S`),
			q(`CREATE TABLE IF NOT EXISTS $S.ramauthz_meta (
				id int PRIMARY KEY CHECK (id = 1),
				epoch bytea NOT NULL,
				rev bigint NOT NULL,
				compacted bigint NOT NULL DEFAULT 0)`),
			q(`CREATE TABLE IF NOT EXISTS $S.ramauthz_account (
				id text COLLATE "C" PRIMARY KEY,
				rev bigint NOT NULL)`),
			q(`CREATE TABLE IF NOT EXISTS $S.ramauthz_entity (
				account text COLLATE "C" NOT NULL,
				kind text COLLATE "C" NOT NULL,
				name text COLLATE "C" NOT NULL,
				value bytea NOT NULL,
				mod_rev bigint NOT NULL,
				PRIMARY KEY (account, kind, name))`),
			q(`CREATE TABLE IF NOT EXISTS $S.ramauthz_change (
				rev bigint PRIMARY KEY,
				account text NOT NULL,
				expected bigint NOT NULL,
				actor text NOT NULL,
				reason text NOT NULL,
				request_id text NOT NULL,
				kinds text[] NOT NULL,
				names text[] NOT NULL,
				vals bytea[] NOT NULL,
				committed_at timestamptz NOT NULL)`),
			// Raises SQLSTATE RZ409 when ok is false: the commit's account
			// check, which ends the commit's implicit transaction.
			q(`CREATE OR REPLACE FUNCTION $S.ramauthz_check(ok boolean, account text) RETURNS boolean
				LANGUAGE plpgsql AS $f$
				BEGIN
					IF NOT ok THEN
						RAISE EXCEPTION 'ramauthz: account % moved on', account USING ERRCODE = 'RZ409';
					END IF;
					RETURN true;
				END $f$`),
		},
		initMeta:      q(`INSERT INTO $S.ramauthz_meta (id, epoch, rev) VALUES (1, $1, 0) ON CONFLICT (id) DO NOTHING`),
		head:          q(`SELECT epoch, rev, compacted FROM $S.ramauthz_meta WHERE id = 1`),
		headForUpdate: q(`SELECT epoch, rev, compacted FROM $S.ramauthz_meta WHERE id = 1 FOR UPDATE`),
		bump:          q(`UPDATE $S.ramauthz_meta SET rev = rev + 1 WHERE id = 1 RETURNING rev`),
		accountRev:    q(`SELECT coalesce((SELECT rev FROM $S.ramauthz_account WHERE id = $1), 0)`),
		// Moves the account to the new revision if it is at $2 (a new row when the account
		// did not exist and $2 is 0); raises RZ409 otherwise.
		setAccount: q(`WITH up AS (INSERT INTO $S.ramauthz_account AS a (id, rev)
				VALUES ($1, (SELECT rev FROM $S.ramauthz_meta WHERE id = 1))
				ON CONFLICT (id) DO UPDATE SET rev = EXCLUDED.rev WHERE a.rev = $2
				RETURNING (xmax = 0) AS inserted)
			SELECT $S.ramauthz_check(EXISTS (SELECT 1 FROM up WHERE NOT (inserted AND $2::bigint <> 0)), $1)`),
		accounts: q(`SELECT id, rev FROM $S.ramauthz_account ORDER BY id`),
		entities: q(`SELECT account, kind, name, value, mod_rev FROM $S.ramauthz_entity ORDER BY account, kind, name`),
		deleteEntities: q(`DELETE FROM $S.ramauthz_entity e USING unnest($2::text[], $3::text[]) AS d(kind, name)
			WHERE e.account = $1 AND e.kind = d.kind AND e.name = d.name`),
		putEntities: q(`INSERT INTO $S.ramauthz_entity (account, kind, name, value, mod_rev)
			SELECT $1, k, n, v, (SELECT rev FROM $S.ramauthz_meta WHERE id = 1)
			FROM unnest($2::text[], $3::text[], $4::bytea[]) AS p(k, n, v)
			ON CONFLICT (account, kind, name) DO UPDATE SET value = EXCLUDED.value, mod_rev = EXCLUDED.mod_rev`),
		insertChange: q(`INSERT INTO $S.ramauthz_change
			(rev, account, expected, actor, reason, request_id, kinds, names, vals, committed_at)
			VALUES ((SELECT rev FROM $S.ramauthz_meta WHERE id = 1), $1, $2, $3, $4, $5, $6, $7, $8, clock_timestamp())`),
		notify: q(`SELECT pg_notify($1, (SELECT rev FROM $S.ramauthz_meta WHERE id = 1)::text)`),
		// One statement, so one snapshot: the compaction point and the rows
		// agree. The meta row comes first, alone (NULL change columns) when
		// there are no changes after $1.
		changes: q(`SELECT m.epoch, m.rev AS head, m.compacted, c.rev, c.account, c.expected, c.actor, c.reason, c.request_id,
				c.kinds, c.names, c.vals, c.committed_at
			FROM $S.ramauthz_meta m LEFT JOIN LATERAL (
				SELECT * FROM $S.ramauthz_change WHERE rev > $1 ORDER BY rev LIMIT $2) c ON true
			WHERE m.id = 1 ORDER BY c.rev`),
		compact:      q(`DELETE FROM $S.ramauthz_change WHERE rev <= $1`),
		setCompacted: q(`UPDATE $S.ramauthz_meta SET compacted = $1 WHERE id = 1`),
	}
}

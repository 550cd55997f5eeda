/*
 * The result store: one SQLite database (results/tfolab.db by default; the
 * caller passes the path) holding every run, its matrix of conditions, each
 * trial's page load time, its requests and its link counters.
 *
 * A condition is one cell of the experiment matrix for one TFO mode: idx is
 * its position in the matrix, and the off/on (and cookie) variants of a cell
 * share the same pair_key, which pairs them for Table 1.  A trial is stored in one transaction with
 * its requests, connections and link stats, so an interrupted run never leaves a half
 * trial behind and `store_trials_done` tells a resumed run where to go on.
 *
 * The schema carries a version (PRAGMA user_version) and a list of
 * migrations applied in order at open, so a database written by an older
 * tfolab is upgraded in place.  All functions return 0 or a negative errno
 * and log the failing statement with sqlite3_errmsg once.
 */
#ifndef TFOLAB_RESULTS_STORE_H
#define TFOLAB_RESULTS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/vocab.h"

#define STORE_DEFAULT_PATH "results/tfolab.db"

/* The schema version this build writes; store_open migrates up to it. */
#define STORE_SCHEMA_VERSION 7

struct store;

enum store_dir {
	STORE_DIR_UP = 0,
	STORE_DIR_DOWN = 1,
};

/*
 * A run.  On insert the strings are borrowed (may be NULL); from
 * store_run_get they are owned by the struct and freed by
 * store_run_release.  Times are Unix nanoseconds.
 */
struct store_run {
	int64_t id;
	int64_t started_at;
	int64_t ended_at;        /* 0 while running */
	const char *command_line;
	const char *experiment_name;
	const char *experiment_text;
	const char *git_describe;
	const char *kernel;
	const char *link_backend;
	const char *host;
	const char *status;      /* "running", "done" or "interrupted" */
	int shard_k, shard_n;    /* the run of shard K of N (run/shard.h); 0, 0:
	                            the whole matrix; 0, N: merged from N shards */
	/* Read only (store_run_get): the shards a merged run holds
	 * (store_merge) and on how many hosts they ran; 0 when not merged. */
	int merged_shards, merged_hosts;
};

/*
 * One matrix cell for one TFO mode.  Strings are borrowed on insert and
 * owned (freed by store_conditions_free) when listed.
 */
struct store_condition {
	int64_t id;
	int64_t run_id;
	int idx;                 /* position in the matrix, unique in the run */
	int pair_key;            /* shared by the cells that differ only in TFO
	                            mode (condition_spec.pair); Table 1 pairs by it */
	const char *page;
	int64_t rtt_ns;
	int64_t down_bps;
	int64_t up_bps;
	int64_t queue_pkts;
	int64_t queue_bytes;
	double loss;             /* probability, 0..1 */
	enum tfo_mode tfo_mode;  /* stored by its name (common/vocab.h) */
	enum tls_mode tls;       /* plain HTTP or HTTPS, stored by its name;
	                            'off' for the runs before schema 6 */
	enum fetcher fetcher;    /* what loaded the page, stored by its name;
	                            'builtin' for the runs before schema 7 */
	int tfo_sysctl;          /* 0, 519 or 3 */
	int per_conn;            /* requests per connection, 0 = unlimited */
	int conns_per_host;
	int trials;
	int warmup;
	int64_t timeout_ns;
	int64_t stall_limit_ns;  /* 0 = stalls not detected; -1 = the backend cannot (NULL) */
	const char *backend;
	const char *cc;          /* congestion control */
	const char *encoding;    /* "wire" or "decoded" bodies; NULL before schema 4 */
};

/* One page load.  invalid_reason is borrowed, NULL when valid. */
struct store_trial {
	int64_t id;
	int seq;                 /* trial number within the condition, from 0 */
	int64_t started_at;      /* Unix ns */
	int64_t plt_ns;
	int valid;
	const char *invalid_reason;
	int64_t tfo_active;
	int64_t tfo_active_fail;
	int64_t tfo_passive;
	int64_t tfo_passive_fail;
	int64_t tfo_cookie_reqd;
	int64_t syn_data_acked_conns;
	int64_t conns_opened;
	int64_t bytes_total;
	int64_t retrans_segs;
	int64_t link_drops;
	int stalled;             /* invalid because the host stalled; repeated */
	int64_t steal_ns;        /* the guest's steal time over the load; -1 unknown (NULL) */
	const char *cc_used;     /* congestion control the connections reported
	                            (TCP_CONGESTION), "mixed" if they differed;
	                            NULL unknown.  Borrowed. */
	int64_t fallbacks;       /* connections whose SYN data was not acked after
	                            a drop on the link (RFC 7413 fallback, a valid
	                            trial); -1 unknown (NULL) */
	int64_t fallback_ns;     /* what they cost: summed connect-to-first-byte
	                            time beyond the median connection with SYN
	                            data acked (run/trial.c
	                            fallback_cost); -1 unknown */
	int64_t cpu_fetch_ns;    /* CPU time (user + system) of the fetcher over
	                            the load; -1 unknown (NULL) */
	int64_t cpu_origin_ns;   /* of the origin server; -1 unknown (NULL) */
	int64_t load_event_ns;   /* Chromium's Navigation Timing loadEventEnd,
	                            ns from the trial's start; -1 for the
	                            builtin fetcher or unknown (NULL) */
	int64_t last_response_ns;  /* the end of the last response (either
	                            fetcher), ns from the trial's start; -1
	                            unknown (NULL) */
	const struct store_conn *conns;  /* the trial's connections, borrowed;
	                            NULL with n_conns 0 stores none */
	size_t n_conns;
};

/* One request of a trial; times are ns from the trial's start. */
struct store_request {
	int res_idx;
	const char *res_id;
	const char *host;        /* required */
	const char *path;
	int conn_id;
	int new_conn;            /* 0 or 1 */
	int syn_data;            /* 0 or 1 */
	int64_t queued_ns;
	int64_t connect_start_ns;
	int64_t connected_ns;
	int64_t req_sent_ns;
	int64_t first_byte_ns;
	int64_t last_byte_ns;
	int64_t body_bytes;
	int status;
	int64_t tls_done_ns;     /* its connection's TLS handshake done, when it
	                            opened a TLS connection; -1 otherwise (NULL) */
};

/*
 * One connection of a trial; times are ns from the trial's start, -1 =
 * never (NULL).  Strings are borrowed on insert and owned (freed by
 * store_conns_free) when read back.
 */
struct store_conn {
	int conn_id;             /* the fetcher's id, as requests.conn_id */
	const char *host;
	int64_t connect_ns;      /* connect() */
	int64_t connected_ns;    /* TCP handshake done */
	int64_t tls_done_ns;     /* TLS handshake done; -1 without TLS */
	int64_t closed_ns;
	int syn_data;            /* TCPI_OPT_SYN_DATA: SYN data acked */
	int requests;            /* requests it carried */
	const char *cc;          /* TCP_CONGESTION read back; NULL unknown */
	int tls_version;         /* negotiated, as on the wire (0x0304 = TLS
	                            1.3); 0 = no TLS (NULL) */
	int tls_resumed;         /* 0 or 1; NULL without TLS */
	const char *tls_early;   /* early data: "none", "sent", "accepted",
	                            "rejected"; NULL without TLS */
	const char *tls_cipher;  /* e.g. "TLS_AES_128_GCM_SHA256"; NULL unknown */
	const char *tls_group;   /* key exchange group, e.g. "x25519"; NULL unknown */
};

struct store_link_stats {
	int64_t pkts;
	int64_t bytes;
	int64_t drops_queue;
	int64_t drops_loss;
	int64_t max_queue_pkts;
	int64_t max_queue_bytes;
	/* -1 where the backend does not measure lateness (stored as NULL) */
	int64_t late_pkts;       /* delivered LINK_LATE_NS or more late */
	int64_t late_ns;         /* their summed lateness */
	int64_t late_max_ns;     /* the latest delivery of the trial */
};

/*
 * Opens (creating if needed) the database at path, turns on WAL, foreign
 * keys and a busy timeout, and migrates the schema to STORE_SCHEMA_VERSION.
 * A database from a newer tfolab, or one with tables but no schema version
 * (not ours), is refused with -EPROTO.  On failure *out
 * is untouched and nothing stays open.
 */
int store_open(const char *path, struct store **out);

/*
 * Same, but migrates only up to `version` (1..STORE_SCHEMA_VERSION).  Tests
 * use it to build a database as an older tfolab would have left it.
 */
int store_open_version(const char *path, int version, struct store **out);

/* Closes the database; NULL is allowed. */
void store_close(struct store *st);

/* The schema version of the open database (PRAGMA user_version), or <0. */
int store_schema_version(struct store *st);

/* The journal mode ("wal" normally) into buf; 0 or a negative errno. */
int store_journal_mode(struct store *st, char *buf, size_t len);

/* Inserts a run with status "running"; sets *run_id.  run->id is ignored. */
int store_run_begin(struct store *st, const struct store_run *run, int64_t *run_id);

/* Sets the run's status ("done", "interrupted") and ended_at.  -ENOENT if
 * there is no such run, -EINVAL for another status. */
int store_run_end(struct store *st, int64_t run_id, const char *status, int64_t ended_at);

/* The id of the most recently started run; -ENOENT (not logged) if none. */
int store_run_latest(struct store *st, int64_t *run_id);

/* Fills *run (owned strings; free with store_run_release); -ENOENT (not
 * logged: the caller names what it looked for) if there is no such run. */
int store_run_get(struct store *st, int64_t run_id, struct store_run *run);
void store_run_release(struct store_run *run);

/*
 * Inserts a condition and sets *cond_id.  Idempotent for resume: if
 * (run_id, idx, tfo_mode) already exists with the same parameters, *cond_id
 * is the existing row's id and nothing is changed; with other parameters
 * (the experiment changed) it is -EEXIST.  (run_id, pair_key, tfo_mode) is
 * unique too: a second cell claiming the same pair is -EEXIST.
 */
int store_condition_insert(struct store *st, const struct store_condition *c, int64_t *cond_id);

/*
 * Inserts a trial with its n requests, its t->n_conns connections and, when
 * link is not NULL, its two link counters (indexed by enum store_dir), all
 * in one transaction: on any failure nothing of the trial is stored.  -EEXIST if the seq exists.
 */
int store_trial_insert(struct store *st, int64_t cond_id, const struct store_trial *t,
		       const struct store_request *reqs, size_t n,
		       const struct store_link_stats link[2]);

/*
 * For resume: how many trials the condition has that count (valid, or
 * invalid for a reason a repeat would not cure) in *@done, and how many
 * host stalls, which the runner repeats, in *@stalled.  The next trial's
 * seq is their sum.
 */
int store_trials_done(struct store *st, int64_t cond_id, int *done, int *stalled);

/*
 * All conditions of a run ordered by (idx, tfo_mode), in a new array
 * (free with store_conditions_free).  An empty run gives *n = 0 and NULL.
 */
int store_conditions_list(struct store *st, int64_t run_id, struct store_condition **out, size_t *n);
void store_conditions_free(struct store_condition *c, size_t n);

/*
 * The PLTs (ns, ordered by seq) of the condition's valid trials, in a new
 * array the caller frees (NULL when there are none), and how many trials
 * were invalid.
 */
int store_condition_plts(struct store *st, int64_t cond_id, int64_t **plts,
			 size_t *n_valid, size_t *n_invalid);

/*
 * How many valid and invalid trials the run has in all, and how many of the
 * invalid ones were host stalls (@n_stalled may be NULL).
 */
int store_run_trial_counts(struct store *st, int64_t run_id, size_t *n_valid, size_t *n_invalid,
			   size_t *n_stalled);

/* A valid trial of a condition, as store_condition_trials lists them. */
struct store_trial_ref {
	int64_t id;
	int seq;
	int64_t plt_ns;
};

/*
 * The valid trials of a condition ordered by seq, in a new array the caller
 * frees (NULL when there are none).  0 or a negative errno (logged).
 */
int store_condition_trials(struct store *st, int64_t cond_id, struct store_trial_ref **out,
			   size_t *n);

/* Every trial of a condition as the statistics read it (results/cells.c). */
struct store_trial_stat {
	int seq;
	int valid;
	int stalled;             /* a host stall, repeated with a new seq */
	int64_t plt_ns;
	int64_t fallbacks;       /* -1 unknown (NULL) */
	char *cc_used;           /* owned; NULL unknown */
};

/*
 * All trials of a condition, valid or not, ordered by seq, in a new array
 * (free with store_trial_stats_free; NULL when there are none).  0 or a
 * negative errno (logged).
 */
int store_condition_trial_stats(struct store *st, int64_t cond_id,
				struct store_trial_stat **out, size_t *n);
void store_trial_stats_free(struct store_trial_stat *t, size_t n);

/*
 * The requests of a trial ordered by res_idx, with owned strings, in a new
 * array (free with store_requests_free).  Absent times read as -1.
 */
int store_trial_requests(struct store *st, int64_t trial_id, struct store_request **out, size_t *n);
void store_requests_free(struct store_request *r, size_t n);

/*
 * The connections of a trial ordered by conn_id, with owned strings, in a
 * new array (free with store_conns_free; NULL when there are none, as for
 * every trial stored before schema 6).  Absent values read as -1 (times),
 * 0 (tls_version) or NULL (strings).
 */
int store_trial_conns(struct store *st, int64_t trial_id, struct store_conn **out, size_t *n);
void store_conns_free(struct store_conn *c, size_t n);

/* One trial found by its id, with where it belongs. */
struct store_trial_info {
	int64_t cond_id, run_id;
	int seq;
	int64_t started_at;      /* Unix ns; -1 unknown */
	int64_t plt_ns;          /* -1 unknown */
	int valid;
	char *invalid_reason;    /* owned (free it), NULL when valid */
};

/*
 * store_trial_find - the trial with id @trial_id into *@out.  0, -ENOENT
 * (not logged) when there is none, or a negative errno (logged).
 */
int store_trial_find(struct store *st, int64_t trial_id, struct store_trial_info *out);

#endif

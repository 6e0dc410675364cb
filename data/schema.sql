-- schema.sql — the run store's schema (data/store.c embeds this file; tools/embed.py).
-- One section per schema version, each opened by a line "-- @version N"; store.c runs
-- section N as the migration from N-1 to N, in one transaction, then sets user_version = N.
--
-- Conventions: times are unix seconds (REAL); 64-bit unsigned values (dataset hash,
-- seed) are stored as the signed integer with the same bits; booleans are 0/1.
-- A metric point is "epoch-level" when it is the last point (highest step, then the
-- latest written) of its name within its epoch. Runs write each batch's loss as
-- "batch_loss" and the epoch's metrics ("loss", "val_loss", ...) at its end, so a
-- "loss" point means a finished epoch; the rule holds for any name.
-- metric_epochs keeps exactly those points (store.c updates it with every flush), so
-- the final and best values never scan the per-step points.

-- @version 1
-- The first schema: models, datasets, runs, metrics, checkpoints, events, runs_view.

-- The exact model document of each run, deduplicated by a hash of its text.
-- units: of the first recurrent layer (or the layer a Bidirectional wraps);
-- params: the model's parameter count (NULL when the document does not build).
CREATE TABLE models (
    id      INTEGER PRIMARY KEY,
    hash    TEXT NOT NULL UNIQUE,           -- FNV-1a 64 of the JSON text, 16 hex digits
    name    TEXT,
    json    TEXT NOT NULL,
    units   INTEGER,
    params  INTEGER,
    created REAL NOT NULL
);

-- Where a run's examples came from, so that a resume finds (and checks) them again.
-- kind: 'builtin' (mnist), 'synthetic' (source = the spec with its seed), 'file' (source = path).
CREATE TABLE datasets (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL,
    source  TEXT NOT NULL DEFAULT '',
    hash    INTEGER NOT NULL,               -- FNV-1a 64 of the arrays
    n_train INTEGER NOT NULL,
    n_val   INTEGER NOT NULL,
    UNIQUE (name, kind, source, hash, n_train, n_val)
);

-- One training run: what it trains, every hyper-parameter (as columns, and all of them
-- as one JSON object in hparams), its status and its owner (liveness: pid and the
-- process's start time on host, heartbeat renewed by every flush and checkpoint).
CREATE TABLE runs (
    id               INTEGER PRIMARY KEY,
    model_id         INTEGER NOT NULL REFERENCES models(id),
    dataset_id       INTEGER REFERENCES datasets(id),
    status           TEXT NOT NULL CHECK (status IN ('running', 'paused', 'completed', 'failed',
                                                     'cancelled', 'interrupted')),
    device           TEXT NOT NULL DEFAULT 'cpu',
    loss             TEXT NOT NULL,         -- Keras name: 'mse', 'sparse_categorical_crossentropy'...
    from_logits      INTEGER NOT NULL DEFAULT 0,
    optimizer        TEXT NOT NULL,         -- 'sgd', 'rmsprop', 'adam', 'adamw'
    learning_rate    REAL NOT NULL,
    momentum         REAL,
    nesterov         INTEGER,
    rho              REAL,
    centered         INTEGER,
    beta_1           REAL,
    beta_2           REAL,
    epsilon          REAL,
    amsgrad          INTEGER,
    weight_decay     REAL,
    clipnorm         REAL,                  -- negative: off
    global_clipnorm  REAL,
    clipvalue        REAL,
    batch_size       INTEGER NOT NULL,
    epochs           INTEGER NOT NULL,
    shuffle          INTEGER NOT NULL DEFAULT 1,
    validation_split REAL NOT NULL DEFAULT 0,
    seed             INTEGER NOT NULL DEFAULT 0,
    metric_accuracy  INTEGER NOT NULL DEFAULT 0,
    metric_mae       INTEGER NOT NULL DEFAULT 0,
    hparams          TEXT NOT NULL,         -- JSON object of all of the above
    started          REAL NOT NULL,
    ended            REAL,                  -- NULL while running or paused
    error            TEXT,
    parent_run       INTEGER REFERENCES runs(id) ON DELETE SET NULL,  -- resumed or forked from
    label            TEXT,
    notes            TEXT,
    owner_pid        INTEGER,
    owner_start      INTEGER,               -- /proc/<pid>/stat field 22 (clock ticks after boot)
    host             TEXT,
    heartbeat        REAL
);
CREATE INDEX runs_status ON runs (status);

-- Every metric point, nothing thinned out, stored in chunks: one row per run, name and
-- flush (a flush of more than 65536 points of one name writes several chunks). A chunk's
-- points are in step order (equal steps in the order written), packed in `points` as n
-- records of 32 bytes, little-endian:
--   bytes  0..7   step       int64 (global step)
--   bytes  8..11  epoch      int32
--   bytes 12..15  0          int32 (padding, always 0)
--   bytes 16..23  value      IEEE-754 double (NaN for a value that was not a number)
--   bytes 24..31  wall_time  IEEE-754 double (unix seconds)
-- first_step and last_step are the first and the last record's steps, last_wall the
-- newest wall time in the chunk. One writer's chunks of a name do not overlap in steps;
-- readers concatenate them in first_step order (merging any that do overlap).
CREATE TABLE metrics (
    run        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    first_step INTEGER NOT NULL,
    last_step  INTEGER NOT NULL,
    n          INTEGER NOT NULL CHECK (n > 0),   -- points in the chunk
    last_wall  REAL NOT NULL,
    points     BLOB NOT NULL CHECK (length(points) = 32 * n)
);
CREATE INDEX metrics_run_name_step ON metrics (run, name, first_step);

-- The epoch-level points (see the top): one row per run, metric and epoch.
CREATE TABLE metric_epochs (
    run   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name  TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    step  INTEGER NOT NULL,
    value REAL,
    PRIMARY KEY (run, name, epoch)
) WITHOUT ROWID;

-- Weights (safetensors bytes) and the trainer's state (ur_trainer_save_state: position,
-- generator, data order, optimizer state). kind 'last' and 'best': one each per run;
-- 'epoch': one per epoch, the oldest beyond the retention setting deleted.
CREATE TABLE checkpoints (
    id            INTEGER PRIMARY KEY,
    run           INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('last', 'best', 'epoch')),
    epoch         INTEGER NOT NULL,         -- epochs completed
    step          INTEGER NOT NULL,         -- global step
    weights       BLOB NOT NULL,
    state         BLOB,
    monitor       TEXT,
    monitor_value REAL,
    created       REAL NOT NULL
);
CREATE INDEX checkpoints_run_kind ON checkpoints (run, kind, epoch);

-- What happened to a run: 'pause', 'resume', 'stop', 'lr', 'error', 'interrupted'.
CREATE TABLE events (
    id     INTEGER PRIMARY KEY,
    run    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind   TEXT NOT NULL,
    step   INTEGER,
    time   REAL NOT NULL,
    detail TEXT                             -- JSON
);
CREATE INDEX events_run ON events (run, id);

-- The documented view `unroll runs list --where/--sort` works on (read-only SQL):
--   id, label, model (its name), dataset (its name), status, device, loss, from_logits,
--   optimizer, learning_rate, batch_size, epochs (planned), epochs_done (epochs with an
--   epoch-level 'loss' point), validation_split, seed, units, params,
--   started, ended, duration (seconds; up to the last heartbeat while running),
--   final_<m> (the last epoch's value) and best_<m> (lowest for loss and mae, highest for
--   accuracy) for m in loss, accuracy, mae, val_loss, val_accuracy, val_mae.
CREATE VIEW runs_view AS
WITH finals AS (
    SELECT run, name, value, max(epoch) FROM metric_epochs GROUP BY run, name
), per_run AS (
    SELECT e.run AS run,
           count(CASE WHEN e.name = 'loss' THEN 1 END)            AS epochs_done,
           min(CASE WHEN e.name = 'loss' THEN e.value END)         AS best_loss,
           max(CASE WHEN e.name = 'accuracy' THEN e.value END)     AS best_accuracy,
           min(CASE WHEN e.name = 'mae' THEN e.value END)          AS best_mae,
           min(CASE WHEN e.name = 'val_loss' THEN e.value END)     AS best_val_loss,
           max(CASE WHEN e.name = 'val_accuracy' THEN e.value END) AS best_val_accuracy,
           min(CASE WHEN e.name = 'val_mae' THEN e.value END)      AS best_val_mae
    FROM metric_epochs AS e GROUP BY e.run
), final_run AS (
    SELECT run,
           max(CASE WHEN name = 'loss' THEN value END)         AS final_loss,
           max(CASE WHEN name = 'accuracy' THEN value END)     AS final_accuracy,
           max(CASE WHEN name = 'mae' THEN value END)          AS final_mae,
           max(CASE WHEN name = 'val_loss' THEN value END)     AS final_val_loss,
           max(CASE WHEN name = 'val_accuracy' THEN value END) AS final_val_accuracy,
           max(CASE WHEN name = 'val_mae' THEN value END)      AS final_val_mae
    FROM finals GROUP BY run
)
SELECT r.id AS id, r.label AS label, m.name AS model, d.name AS dataset, r.status AS status,
       r.device AS device, r.loss AS loss, r.from_logits AS from_logits,
       r.optimizer AS optimizer, r.learning_rate AS learning_rate,
       r.batch_size AS batch_size, r.epochs AS epochs, coalesce(p.epochs_done, 0) AS epochs_done,
       r.validation_split AS validation_split, r.seed AS seed, m.units AS units,
       m.params AS params, r.started AS started, r.ended AS ended,
       coalesce(r.ended, r.heartbeat, r.started) - r.started AS duration,
       f.final_loss AS final_loss, p.best_loss AS best_loss,
       f.final_accuracy AS final_accuracy, p.best_accuracy AS best_accuracy,
       f.final_mae AS final_mae, p.best_mae AS best_mae,
       f.final_val_loss AS final_val_loss, p.best_val_loss AS best_val_loss,
       f.final_val_accuracy AS final_val_accuracy, p.best_val_accuracy AS best_val_accuracy,
       f.final_val_mae AS final_val_mae, p.best_val_mae AS best_val_mae
FROM runs AS r
JOIN models AS m ON m.id = r.model_id
LEFT JOIN datasets AS d ON d.id = r.dataset_id
LEFT JOIN per_run AS p ON p.run = r.id
LEFT JOIN final_run AS f ON f.run = r.id;

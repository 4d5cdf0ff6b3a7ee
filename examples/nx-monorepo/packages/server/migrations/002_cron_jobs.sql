-- filled by scripts/register-jobs.mjs (the optional task), read by the app's workers
CREATE TABLE cron_jobs (
  name text PRIMARY KEY,
  schedule text NOT NULL,
  registered_at timestamptz NOT NULL DEFAULT now()
);

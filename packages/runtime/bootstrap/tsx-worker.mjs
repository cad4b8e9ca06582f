// Starts a TypeScript worker entry on Node 20, where a Worker cannot run `.ts` through
// execArgv: registers tsx's ESM hooks in this thread, then imports the entry named in
// workerData. The worker inherits the parent's `--conditions`, so workspace packages resolve to
// their sources. Used only when running from sources (tests); compiled workers start directly.
import { workerData } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
await import(workerData.entry)

/**
 * SIGINT/SIGTERM handling for long-running commands, installed before any start-up work: a
 * signal that arrives while the node is still starting is remembered and honoured as soon as
 * there is something to stop, instead of killing the process half-started. A second signal
 * within SIGNAL_GRACE (1 s) of the first is ignored — GNU `timeout` and process managers send two
 * at once, and the stop (the routing table's save) must finish; a later one forces exit 1.
 */
import { SIGNAL_GRACE } from './constants.js'

export interface Signals {
  /** Resolves with the first signal received. */
  readonly first: Promise<NodeJS.Signals>
  /** The first signal, if one has arrived. */
  received(): NodeJS.Signals | undefined
  /** Removes the handlers. */
  dispose(): void
}

export function catchSignals (force: () => void = () => process.exit(1), now: () => number = () => performance.now()): Signals {
  let got: NodeJS.Signals | undefined
  let at = 0
  let resolve!: (s: NodeJS.Signals) => void
  const first = new Promise<NodeJS.Signals>(r => {
    resolve = r
  })
  const onSignal = (signal: NodeJS.Signals): void => {
    if (got !== undefined) {
      if (now() - at >= SIGNAL_GRACE) force()
      return
    }
    got = signal
    at = now()
    resolve(signal)
  }
  const onInt = (): void => {
    onSignal('SIGINT')
  }
  const onTerm = (): void => {
    onSignal('SIGTERM')
  }
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  return {
    first,
    received: () => got,
    dispose () {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
    }
  }
}

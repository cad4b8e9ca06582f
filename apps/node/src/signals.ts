/**
 * SIGINT/SIGTERM handling for long-running commands, installed before any start-up work: a
 * signal that arrives while the node is still starting is remembered and honoured as soon as
 * there is something to stop, instead of killing the process half-started. A second signal
 * while stopping forces exit 1.
 */
export interface Signals {
  /** Resolves with the first signal received. */
  readonly first: Promise<NodeJS.Signals>
  /** The first signal, if one has arrived. */
  received (): NodeJS.Signals | undefined
  /** Removes the handlers. */
  dispose (): void
}

export function catchSignals (force: () => void = () => process.exit(1)): Signals {
  let got: NodeJS.Signals | undefined
  let resolve!: (s: NodeJS.Signals) => void
  const first = new Promise<NodeJS.Signals>(r => { resolve = r })
  const onSignal = (signal: NodeJS.Signals): void => {
    if (got !== undefined) { force(); return }
    got = signal
    resolve(signal)
  }
  const onInt = (): void => { onSignal('SIGINT') }
  const onTerm = (): void => { onSignal('SIGTERM') }
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

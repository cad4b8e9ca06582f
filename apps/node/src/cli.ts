#!/usr/bin/env node
/** The `peerconnect` binary: a table of commands, each in `commands/`. */
import { UsageError, helpText } from './cli-args.js'
import type { CommandSpec } from './cli-args.js'
import { startCommand } from './commands/start.js'
import { demoCommand } from './commands/demo.js'
import { searchCommand } from './commands/search.js'
import { peersCommand } from './commands/peers.js'
import { lookupCommand } from './commands/lookup.js'
import { statusCommand } from './commands/status.js'
import { clean } from './commands/format.js'

export interface Command { readonly spec: CommandSpec, run (argv: readonly string[]): Promise<number> }

const COMMANDS: Readonly<Record<string, Command>> = {
  start: startCommand,
  demo: demoCommand,
  search: searchCommand,
  peers: peersCommand,
  lookup: lookupCommand,
  status: statusCommand
}

export async function main (argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview() + '\n')
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    process.stderr.write(`peerconnect: unknown command ${JSON.stringify(name)}\n\n${overview()}\n`)
    return 2
  }
  try {
    return await command.run(rest)
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_USAGE' || (err as { code?: string }).code === 'ERR_BAD_ADDRESS') {
      process.stderr.write(`peerconnect ${name}: ${(err as Error).message}\n\n${helpText(command.spec)}\n`)
      return 2
    }
    const exitCode = (err as { exitCode?: unknown }).exitCode
    process.stderr.write(`peerconnect ${name}: ${clean(String((err as Error).message))}\n`)
    return exitCode === 2 ? 2 : 1
  }
}

function overview (): string {
  const rows = Object.values(COMMANDS).map(c => `  ${c.spec.name.padEnd(10)} ${c.spec.summary}`)
  return ['Usage: peerconnect <command> [options]', '', 'Commands:', ...rows, '', 'Run `peerconnect <command> --help` for its options.'].join('\n')
}

export { UsageError }

main(process.argv.slice(2)).then(code => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`peerconnect: ${String((err as Error)?.stack ?? err)}\n`)
  process.exitCode = 1
})

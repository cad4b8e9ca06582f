/**
 * The routing file, `<dataDir>/routing.json`: our id and the ids and addresses of our contacts,
 * so a restarted node can re-ping them instead of bootstrapping from nothing. Written atomically
 * and durably: a temp file of mode 0600 (the contacts say who we talk to), fsynced, then renamed
 * (and the directory fsynced, where the platform allows). Reading never throws: a missing or
 * corrupt file is a reason.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { mkdir, open, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import { idToHex, isObj, parseIdHex } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import { MAX_SAVED_CONTACTS, ROUTING_FILE, ROUTING_FILE_VERSION } from './constants.js'
import { invalidReason } from './table.js'

export interface SavedContact {
  readonly id: NodeId
  readonly host: string
  readonly port: number
}

export type LoadResult =
  | { ok: true, self: NodeId, contacts: SavedContact[], skipped: number }
  | { ok: false, missing: boolean, reason: string }

export function routingFilePath (dataDir: string): string {
  return join(dataDir, ROUTING_FILE)
}

export function encodeRoutingFile (self: NodeId, contacts: readonly SavedContact[], savedAt: number): string {
  const list = contacts.slice(0, MAX_SAVED_CONTACTS).map(c => ({ id: idToHex(c.id), host: c.host, port: c.port }))
  return JSON.stringify({ version: ROUTING_FILE_VERSION, self: idToHex(self), savedAt, contacts: list }, null, 1) + '\n'
}

/** Parses the file's text. Bad entries are skipped and counted; a bad file as a whole is a reason. */
export function parseRoutingFile (text: string): LoadResult {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return { ok: false, missing: false, reason: 'not JSON' }
  }
  if (!isObj(data) || data.version !== ROUTING_FILE_VERSION) {
    return { ok: false, missing: false, reason: 'not a routing file of a known version' }
  }
  const self = parseIdHex(data.self)
  if (self === undefined || !Array.isArray(data.contacts)) return { ok: false, missing: false, reason: 'self or contacts missing' }
  const contacts: SavedContact[] = []
  let skipped = 0
  for (const entry of data.contacts.slice(0, MAX_SAVED_CONTACTS)) {
    const c = isObj(entry) ? { id: parseIdHex(entry.id), host: entry.host, port: entry.port } : undefined
    if (c?.id !== undefined && invalidReason({ ...c, lastSeen: 0 }) === undefined) contacts.push(c as SavedContact)
    else skipped++
  }
  return { ok: true, self, contacts, skipped }
}

export async function loadRoutingFile (dataDir: string): Promise<LoadResult> {
  let text: string
  try {
    text = await readFile(routingFilePath(dataDir), 'utf8')
  } catch (err) {
    const missing = (err as { code?: unknown }).code === 'ENOENT'
    return { ok: false, missing, reason: missing ? 'no routing file' : `unreadable: ${String((err as Error).message)}` }
  }
  return parseRoutingFile(text)
}

/**
 * Writes the file without blocking, then renames it into place, unless `stillWanted()` says a
 * newer write happened meanwhile (the rename is synchronous, so it cannot overtake that one).
 */
export async function saveRoutingFile (dataDir: string, text: string, stillWanted: () => boolean = () => true): Promise<boolean> {
  const tmp = tempPath(dataDir)
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    const file = await open(tmp, 'wx', FILE_MODE)
    try {
      await file.writeFile(text, 'utf8')
      await file.sync()
    } finally {
      await file.close()
    }
    if (!stillWanted()) {
      await unlink(tmp).catch(() => {})
      return false
    }
    renameSync(tmp, routingFilePath(dataDir))
    syncDir(dataDir)
    return true
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
}

/** The same, synchronously: for the actor's teardown, when the worker may end right after. */
export function saveRoutingFileSync (dataDir: string, text: string): void {
  const tmp = tempPath(dataDir)
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const fd = openSync(tmp, 'wx', FILE_MODE)
    try {
      writeSync(fd, text, null, 'utf8')
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, routingFilePath(dataDir))
    syncDir(dataDir)
  } catch (err) {
    try {
      unlinkSync(tmp)
    } catch {}
    throw err
  }
}

let seq = 0

/** Owner read/write only. */
const FILE_MODE = 0o600

/** Makes the rename durable; some platforms cannot open a directory (then the rename is left to the OS). */
function syncDir (dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    /* not supported here */
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd)
      } catch {}
    }
  }
}

function tempPath (dataDir: string): string {
  return join(dataDir, `${ROUTING_FILE}.${process.pid}-${threadId}-${++seq}.tmp`)
}

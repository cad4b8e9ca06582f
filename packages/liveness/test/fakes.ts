/** Collaborators for the liveness tests (deps come from `@peerconnect/runtime/testing`'s testDeps). */
import { Subject, throwError } from 'rxjs'
import type { Observable } from 'rxjs'
import type { Message, NodeId, TransportResponse } from '@peerconnect/protocol'
import type { ActorDeps } from '@peerconnect/runtime'

export function pong (id: NodeId, rtt = 7): TransportResponse {
  return { type: 'transport.response', re: 1, end: true, from: { host: '127.0.0.1', port: 1 }, id, r: {}, rtt, bytes: 80 }
}

export function rpcError (code: string): Observable<never> {
  return throwError(() => Object.assign(new Error(code), { name: 'RpcError', code }))
}

/** An `ask` that records every request and answers with `answer(msg)`. */
export function recordingAsk (
  answer: (msg: Message) => Observable<Message>
): { ask: (msg: Message) => Observable<Message>, asked: Message[] } {
  const asked: Message[] = []
  return { asked, ask: (msg) => {
    asked.push(msg)
    return answer(msg)
  } }
}

/** Runs an actor fn over a Subject and collects what it emits. */
export function harness (run: (in$: Observable<Message>, deps: ActorDeps) => Observable<Message>, deps: ActorDeps): {
  in$: Subject<Message>
  out: Message[]
  done: () => boolean
  stop: () => void
} {
  const in$ = new Subject<Message>()
  const out: Message[] = []
  let completed = false
  const sub = run(in$, deps).subscribe({ next: m => out.push(m), complete: () => {
    completed = true
  } })
  return { in$, out, done: () => completed, stop: () => sub.unsubscribe() }
}

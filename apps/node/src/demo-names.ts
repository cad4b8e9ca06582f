/** Names of the demo swarm's nodes: pioneers of computing and networking. */
export const DEMO_NAMES: readonly string[] = [
  'ada', 'alan', 'grace', 'barbara', 'donald', 'edsger', 'frances', 'leslie', 'radia', 'vint',
  'bob-kahn', 'margaret', 'dennis', 'ken', 'linus', 'sophie', 'john-mccarthy', 'tim', 'whitfield', 'martin',
  'ivan', 'shafi', 'silvio', 'hedy', 'claude', 'niklaus', 'butler', 'fernando', 'manuel', 'adele'
]

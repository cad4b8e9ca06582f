import { runActor } from '@peerconnect/runtime'
import { routing } from './index.js'

runActor(routing)

import { runActor } from '@peerconnect/runtime'
import { liveness } from './index.js'

runActor(liveness)

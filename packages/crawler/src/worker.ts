import { runActor } from '@peerconnect/runtime'
import { crawler } from './index.js'

runActor(crawler)

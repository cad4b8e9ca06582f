import { runActor } from '@peerconnect/runtime'
import { gossip } from './index.js'

runActor(gossip)

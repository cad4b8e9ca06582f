import { runActor } from '@peerconnect/runtime'
import { transport } from './index.js'

runActor(transport)

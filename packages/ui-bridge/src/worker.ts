import { runActor } from '@peerconnect/runtime'
import { uiBridge } from './index.js'

runActor(uiBridge)

import { runActor } from '@peerconnect/runtime'
import { lists } from './index.js'

runActor(lists)

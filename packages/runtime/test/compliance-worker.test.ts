import { complianceSuite } from './compliance.js'

complianceSuite('worker')

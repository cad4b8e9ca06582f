import { complianceSuite } from './compliance.js'

complianceSuite('inline')

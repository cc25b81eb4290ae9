import type { RegisterMap } from '../register-map.js'
import { ecodanA1mMap } from './ecodan-a1m.js'
import { heishamonModbusMap } from './heishamon-modbus.js'
import { idmNavigatorMap } from './idm-navigator.js'
import { stiebelIsgMap } from './stiebel-isg.js'

/** Every Modbus driver, by `--driver` name. */
export const MODBUS_DRIVERS: ReadonlyMap<string, RegisterMap> = new Map([idmNavigatorMap, stiebelIsgMap, ecodanA1mMap, heishamonModbusMap].map((m) => [m.id, m]))

export { ecodanA1mMap, heishamonModbusMap, idmNavigatorMap, stiebelIsgMap }

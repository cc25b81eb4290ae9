import { describe, expect, it } from 'vitest'
import { maskIp } from './ip.js'

describe('maskIp', () => {
  it.each([
    ['192.168.17.42', '192.168.xxx.xxx'],
    ['::ffff:10.1.2.3', '10.1.xxx.xxx'],
    ['2001:db8:85a3::8a2e:370:7334', '2001:db8:xxxx:xxxx'],
    ['::1', '0:0:xxxx:xxxx'],
    ['fe80::1', 'fe80:0:xxxx:xxxx'],
    ['', 'unknown'],
    [undefined, 'unknown'],
    ['not an address', 'masked'],
  ])('%s → %s', (ip, masked) => {
    expect(maskIp(ip)).toBe(masked)
  })
})

import { isIPv4, isIPv6 } from 'node:net'

/**
 * Masks a client address for logs (addresses are never stored): IPv4 keeps its first two
 * octets (`192.168.xxx.xxx`, as upstream), IPv6 its first two groups (`2001:db8:xxxx:…`).
 */
export function maskIp (ip: string | undefined): string {
  if (ip === undefined || ip === '') return 'unknown'
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  const v4 = mapped ? mapped[1] as string : ip
  if (isIPv4(v4)) {
    const [a, b] = v4.split('.')
    return `${a}.${b}.xxx.xxx`
  }
  if (isIPv6(ip)) {
    // The groups before a `::` are the leading ones; `::` itself stands for zero groups.
    const groups = (ip.split('::')[0] as string).split(':').filter((g) => g !== '')
    while (groups.length < 2) groups.push('0')
    return `${groups.slice(0, 2).join(':')}:xxxx:xxxx`
  }
  return 'masked'
}

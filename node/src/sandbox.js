// What the component may touch under Node: no files, no environment, no sockets, and HTTP to
// the authorities on its allow-list only: the same rule as the wasmtime host.

import { http } from '@bytecodealliance/preview2-shim';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';

/** `host:port`, lowercase, with the scheme's default port made explicit; null if not a URL. */
function authorityOf(url) {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`;
  } catch {
    return null;
  }
}

const nanos = (ms) => BigInt(ms) * 1_000_000n;

/**
 * The component's imports: WASI with an empty environment and no preopens, and an outgoing
 * handler that refuses any authority not in `allow` with HttpRequestDenied. `refused` records
 * the last refused authority, since the component only learns that it was refused.
 */
export function sandbox(allow, limits) {
  const permitted = new Set(allow.map((a) => a.toLowerCase()));
  const gate = { allow, refused: null };
  const imports = new WASIShim({ sandbox: { env: {}, args: [], preopens: {} } }).getImportObject();
  imports['wasi:http/outgoing-handler'] = {
    handle(request, _options) {
      const scheme = request.scheme()?.tag === 'HTTP' ? 'http' : 'https';
      const authority = authorityOf(`${scheme}://${request.authority()}`);
      if (!permitted.has(authority)) {
        gate.refused = request.authority();
        throw { tag: 'HTTP-request-denied' };
      }
      // The host's limits, whatever the guest asked for. The shim applies the connect timeout
      // to the silence before the answer starts, so it gets the response limit.
      const options = new http.types.RequestOptions();
      options.setConnectTimeout(nanos(limits.responseTimeoutMs));
      options.setFirstByteTimeout(nanos(limits.responseTimeoutMs));
      options.setBetweenBytesTimeout(nanos(limits.idleTimeoutMs));
      return http.outgoingHandler.handle(request, options);
    },
  };
  return { imports, gate };
}

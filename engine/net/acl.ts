// Who may transfer a zone (`allow_transfer`): source prefixes and TSIG key names. Secure by default: an
// empty list allows nobody. Prefix matching is Node's BlockList, which handles IPv4, IPv6 and v4-mapped.
import { BlockList, isIP } from 'node:net';

export class AclError extends Error {
  override name = 'AclError';
}

/** Whether a transfer request may be answered: from this address, signed with this verified key (or null). */
export interface TransferPolicy {
  allows(address: string, keyName: string | null): boolean;
}

export class TransferAcl implements TransferPolicy {
  private readonly prefixes = new BlockList();
  private readonly keys = new Set<string>();
  readonly entries: readonly string[];

  /** Entries are `ADDRESS[/LEN]` or `key=NAME` (a TSIG key name, matched case-insensitively). */
  constructor(entries: readonly string[]) {
    this.entries = entries;
    for (const entry of entries) this.add(entry);
  }

  private add(entry: string): void {
    if (entry.startsWith('key=')) {
      const name = entry.slice(4).toLowerCase().replace(/\.?$/, '.');
      if (name === '.') throw new AclError(`'${entry}': key name missing`);
      this.keys.add(name);
      return;
    }
    const [address, length] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new AclError(`'${entry}' is neither an address prefix nor key=NAME`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const bits = length === undefined ? (family === 4 ? 32 : 128) : Number(length);
    if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) throw new AclError(`'${entry}': bad prefix length`);
    this.prefixes.addSubnet(address, bits, type);
  }

  /** `keyName` is the verified TSIG key of the request (absolute, any case), or null when unsigned. */
  allows(address: string, keyName: string | null): boolean {
    if (keyName !== null && this.keys.has(keyName.toLowerCase())) return true;
    const family = isIP(address);
    return family !== 0 && this.prefixes.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

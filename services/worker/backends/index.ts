// The backend for a pool target's `type` (Designate's backend plugin names).
import { BackendError, type Backend, type BackendTarget } from '../backend.ts';
import { Bind9Backend } from './bind9.ts';
import { Knot2Backend } from './knot2.ts';
import { Nsd4Backend } from './nsd4.ts';
import { Pdns4Backend } from './pdns4.ts';

const BACKENDS: Record<string, new (target: BackendTarget) => Backend> = {
  bind9: Bind9Backend,
  knot2: Knot2Backend,
  nsd4: Nsd4Backend,
  pdns4: Pdns4Backend,
};

const BACKEND_TYPES = Object.keys(BACKENDS);

/** Throws BackendError for an unknown type or options the backend refuses. */
export function createBackend(target: BackendTarget): Backend {
  const Type = BACKENDS[target.type];
  if (Type === undefined) throw new BackendError(`unknown target type '${target.type}' (known: ${BACKEND_TYPES.join(', ')})`);
  return new Type(target);
}

// The bind9 backend against a real named with an rndc channel: `rndc addzone` makes named transfer the zone
// in from zonecast's mdns and serve it; adding it again and deleting it twice are harmless; an rndc channel
// that does not answer is a BackendError naming the call.
import { backendSuite } from '../helpers/backend-checks.ts';

backendSuite('bind9', 'rndc addzone');

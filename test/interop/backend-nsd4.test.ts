// The nsd4 backend against a real nsd: a zone added with a pattern that pulls from zonecast's mdns is
// transferred in and served; adding it again and deleting it twice are harmless; a control channel that
// does not answer is a BackendError naming the call.
import { backendSuite } from '../helpers/backend-checks.ts';

backendSuite('nsd4', 'nsd-control addzone');

// The knot2 backend against a real knotd: a zone created through knotc's configuration transactions is
// transferred in from zonecast's mdns and served; creating it again and deleting it twice are harmless; a
// knotd that is not running is a BackendError naming the call.
import { backendSuite } from '../helpers/backend-checks.ts';

backendSuite('knot2', 'knot2 create');

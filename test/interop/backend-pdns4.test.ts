// The pdns4 backend against a real PowerDNS Authoritative (sqlite3 backend, HTTP API on): a zone created
// through the API is transferred in from zonecast's mdns and served; creating it again and deleting it twice
// are harmless; an API that does not answer is a BackendError naming the call.
import { backendSuite } from '../helpers/backend-checks.ts';

backendSuite('pdns4', 'pdns4 create');

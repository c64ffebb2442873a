import { openStorage } from '../../services/storage/open.ts';
import { createScratchDatabase } from '../helpers/mariadb.ts';
const db = await createScratchDatabase();
const s = await openStorage(db.url);
await s.migrate();
const z = await s.transaction((tx) => tx.createZone({ name: 'x.example.' }));
const rs = await s.transaction((tx) => tx.createRecordset({ zoneId: z.id, name: 'a.x.example.', type: 'A' }));
console.log(db.name, z.id, rs.id);

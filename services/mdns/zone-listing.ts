// Every live zone of one type in the database, a page per short transaction, for mdns's start-up loads.
import type { Storage, Zone, ZoneType } from '../storage/storage.ts';

const LISTING_PAGE = 1000;

export async function* storedZonesOfType(storage: Storage, type: ZoneType): AsyncGenerator<Zone> {
  for (let marker: string | undefined; ;) {
    const page = await storage.transaction((tx) => tx.findZones({ type }, { limit: LISTING_PAGE, marker }));
    yield* page.items;
    if (page.next === undefined) return;
    marker = page.next;
  }
}

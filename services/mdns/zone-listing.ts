// Every live zone in the database (of one type, or all), a page per short transaction: mdns's start-up loads
// and its periodic comparison with storage.
import type { Storage, Zone, ZoneType } from '../storage/storage.ts';

const LISTING_PAGE = 1000;

export function storedZonesOfType(storage: Storage, type: ZoneType): AsyncGenerator<Zone> {
  return storedZones(storage, { type });
}

export function allStoredZones(storage: Storage): AsyncGenerator<Zone> {
  return storedZones(storage, {});
}

async function* storedZones(storage: Storage, criterion: { type?: ZoneType }): AsyncGenerator<Zone> {
  for (let marker: string | undefined; ;) {
    const page = await storage.transaction((tx) => tx.findZones(criterion, { limit: LISTING_PAGE, marker }));
    yield* page.items;
    if (page.next === undefined) return;
    marker = page.next;
  }
}

// Zone transfer settings shared by the image builder and the transfer service.
import { TSIG_RESERVE } from '../tsig/tsig.ts';
import type { AxfrImageOptions } from './axfr-image.ts';

export const XFR_DEFAULTS: AxfrImageOptions = {
  maxMessageSize: 65535, // Designate's [service:mdns] max_message_size
  reserve: TSIG_RESERVE, // every prebuilt message has room for the largest TSIG RR
};

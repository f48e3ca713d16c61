// Seconds in a minute, an hour and a day: the units alert windows (`windowSeconds`) are written in.
export const MIN = 60;
export const HOUR = 3600;
export const DAY = 24 * HOUR;

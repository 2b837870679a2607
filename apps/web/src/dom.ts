/** The element with this id (the page's HTML defines every id the lab uses). */
export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

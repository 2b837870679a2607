import { settingsFromQuery } from './settings';

const status = document.querySelector<HTMLParagraphElement>('#status');
const settings = settingsFromQuery(window.location.search);
if (status) status.textContent = `Ready: preset ${settings.preset}, ${settings.epochs} epochs.`;

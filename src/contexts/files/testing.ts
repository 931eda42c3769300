/** What only tests use from the files context: the scanner port, to swap in a fake. */
export { MalwareScanner } from './domain/ports';

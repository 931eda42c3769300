/**
 * The probes and the metrics scrape: operations endpoints, called by orchestrators and
 * scrapers rather than clients, and outside the API's rate limits and conditional caching.
 * Checked once, up front, by what skips them.
 */
export function isOperationsPath(url: string): boolean {
  return url.startsWith('/health/') || url === '/metrics';
}

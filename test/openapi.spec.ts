import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateOpenApi } from '../scripts/openapi';

describe('docs/openapi.json', () => {
  it('is exactly what the code generates (run `npm run openapi` after API changes)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'docs', 'openapi.json'), 'utf8');
    const generated = await generateOpenApi();
    expect(generated).toBe(committed);
  });

  it('is deterministic', async () => {
    expect(await generateOpenApi()).toBe(await generateOpenApi());
  });
});

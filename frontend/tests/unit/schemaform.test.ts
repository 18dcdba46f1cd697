import { describe, expect, it } from 'vitest';
import { buildArguments, fieldsFor, initialValues } from '../../src/schemaform';

const schema = {
  type: 'object',
  properties: {
    text: { type: 'string', description: 'Text to return.' },
    count: { type: 'integer', default: 2 },
    ratio: { type: 'number' },
    loud: { type: 'boolean' },
    mode: { enum: ['fast', 'slow'] },
    level: { enum: [1, '1'] },
    tags: { type: 'array', items: { type: 'string' } },
    meta: { type: 'object', additionalProperties: true },
    opts: {
      type: 'object',
      required: ['depth'],
      properties: { depth: { type: 'integer' }, note: { type: ['string', 'null'] } },
    },
    either: { anyOf: [{ type: 'string' }, { type: 'number' }] },
  },
  required: ['text', 'mode'],
};

describe('fieldsFor', () => {
  it('makes one field per property with its kind', () => {
    const f = fieldsFor(schema);
    const kinds = Object.fromEntries(f.map((x) => [x.name, x.kind]));
    expect(kinds).toEqual({
      text: 'string', count: 'integer', ratio: 'number', loud: 'boolean', mode: 'enum', level: 'enum',
      tags: 'json', meta: 'json', opts: 'object', either: 'json',
    });
    expect(f.find((x) => x.name === 'text')).toMatchObject({ required: true, description: 'Text to return.' });
    expect(f.find((x) => x.name === 'tags')?.expect).toBe('array');
    const opts = f.find((x) => x.name === 'opts')!;
    expect(opts.fields?.map((x) => [x.path, x.kind, x.required])).toEqual([
      ['opts.depth', 'integer', true],
      ['opts.note', 'string', false],
    ]);
  });

  it('has no fields for schemas that are not objects', () => {
    expect(fieldsFor(undefined)).toEqual([]);
    expect(fieldsFor({ type: 'object' })).toEqual([]);
    expect(fieldsFor('nope')).toEqual([]);
  });

  it('follows local $refs, and asks for JSON when a ref cannot be followed', () => {
    const f = fieldsFor({
      type: 'object',
      $defs: { address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } }, required: ['city'] }, loop: { $ref: '#/$defs/loop' } },
      properties: { home: { $ref: '#/$defs/address', description: 'Where you live' }, away: { $ref: 'https://example.com/x.json' }, odd: { $ref: '#/$defs/loop' }, gone: { $ref: '#/$defs/nope' } },
    });
    const home = f.find((x) => x.name === 'home')!;
    expect(home.kind).toBe('object');
    expect(home.description).toBe('Where you live');
    expect(home.fields?.map((x) => [x.path, x.required])).toEqual([
      ['home.street', false],
      ['home.city', true],
    ]);
    expect(f.filter((x) => x.kind === 'json').map((x) => x.name)).toEqual(['away', 'odd', 'gone']);
    const r = buildArguments(f, { 'home.city': 'Springfield', 'home.street': '' });
    expect(r).toEqual({ args: { home: { city: 'Springfield' } }, errors: {} });
  });

  it('stops nesting after a few levels and asks for JSON', () => {
    const deep = { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'object', properties: { c: { type: 'object', properties: { d: { type: 'object', properties: { e: { type: 'string' } } } } } } } } } } };
    const a = fieldsFor(deep)[0];
    expect(a.kind).toBe('object');
    const c = a.fields![0].fields![0];
    expect(c.kind).toBe('object');
    expect(c.fields![0].kind).toBe('json');
  });
});

describe('initialValues', () => {
  it('starts from defaults', () => {
    const v = initialValues(fieldsFor(schema));
    expect(v.count).toBe('2');
    expect(v.loud).toBe(false);
    expect(v.text).toBe('');
    expect(v['opts.depth']).toBe('');
  });
});

describe('buildArguments', () => {
  const fields = fieldsFor(schema);
  const base = { ...initialValues(fields), text: 'hi', mode: '"fast"' };

  it('turns typed text into typed arguments and leaves out empty optional ones', () => {
    const r = buildArguments(fields, { ...base, ratio: '0.5', tags: '["a","b"]', level: '1', 'opts.depth': '3' });
    expect(r.errors).toEqual({});
    expect(r.args).toEqual({ text: 'hi', count: 2, ratio: 0.5, mode: 'fast', level: 1, tags: ['a', 'b'], opts: { depth: 3 } });
  });

  it('keeps enum values of different types apart', () => {
    expect(buildArguments(fields, { ...base, level: '"1"' }).args.level).toBe('1');
  });

  it('names every missing required field', () => {
    const r = buildArguments(fields, { ...initialValues(fields) });
    expect(r.errors).toEqual({ text: 'is required', mode: 'is required' });
  });

  it('requires the required fields of a nested object only when they apply', () => {
    const r = buildArguments(fields, { ...base, 'opts.note': 'x' });
    expect(r.errors).toEqual({ 'opts.depth': 'is required' });
  });

  it('refuses numbers that are not numbers, and fractions for integers', () => {
    const r = buildArguments(fields, { ...base, count: '2.5', ratio: 'abc' });
    expect(r.errors.count).toMatch(/whole number/);
    expect(r.errors.ratio).toMatch(/must be a number/);
  });

  it('refuses JSON that does not parse or has the wrong shape', () => {
    const r = buildArguments(fields, { ...base, tags: '{"a":1}', meta: '[1]', either: '{oops' });
    expect(r.errors.tags).toMatch(/JSON array/);
    expect(r.errors.meta).toMatch(/JSON object/);
    expect(r.errors.either).toMatch(/not valid JSON/);
  });

  it('sends a boolean when it differs from its default or is required', () => {
    expect(buildArguments(fields, { ...base, loud: true }).args.loud).toBe(true);
    expect('loud' in buildArguments(fields, { ...base, loud: false }).args).toBe(false);
    const req = fieldsFor({ type: 'object', properties: { b: { type: 'boolean' } }, required: ['b'] });
    expect(buildArguments(req, { b: false }).args).toEqual({ b: false });
  });

  it('keeps strings as typed, spaces included', () => {
    expect(buildArguments(fields, { ...base, text: '  two words ' }).args.text).toBe('  two words ');
  });
});

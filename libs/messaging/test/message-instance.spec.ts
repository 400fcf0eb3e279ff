import { describe, expect, it } from '@jest/globals';
import { Exclude, Expose, plainToInstance, Transform, Type, type ClassConstructor } from 'class-transformer';
import { toMessageInstance } from '../src/serialization/message-instance.js';
import { declaresTransformMetadata } from '../src/serialization/transform-metadata.js';

class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly tenantId: string,
  ) {}
}

const callback = (): number => 1;

class WithDefaultsAndMembers {
  readonly currency: string = 'EUR';
  readonly callback = callback;
  private named = '';

  get label(): string {
    return 'fixed';
  }

  set name(value: string) {
    this.named = `set:${value}`;
  }

  get name(): string {
    return this.named;
  }

  total(): number {
    return 0;
  }
}

class Line {
  readonly sku!: string;
}

class WithTypes {
  @Type(() => Date) readonly at!: Date;
  @Type(() => Line) readonly lines!: Line[];
}

class InheritsTypes extends WithTypes {
  readonly extra!: string;
}

class WithExclusions {
  @Expose({ name: 'ref' }) readonly reference!: string;
  @Exclude() readonly secret!: string;
}

class WithTransform {
  @Transform(({ value }) => String(value).toUpperCase()) readonly code!: string;
}

/** Both ways of making the instance, from separately parsed copies of `json`. */
function bothWays<T extends object>(cls: ClassConstructor<T>, json: string): { ours: T; theirs: T } {
  return {
    ours: toMessageInstance(cls, JSON.parse(json) as object),
    theirs: plainToInstance(cls, JSON.parse(json) as object),
  };
}

describe('toMessageInstance', () => {
  it.each([
    ['flat fields', '{"orderId":"o-1","tenantId":"t-1","total":45.47,"paid":true,"note":null}'],
    [
      'nested objects and arrays',
      '{"lines":[{"sku":"a","qty":2},{"sku":"b","tags":[["x"],[]]}],"meta":{"a":{"b":1}}}',
    ],
    ['an empty object', '{}'],
    [
      'keys named like Object.prototype members',
      '{"toString":"x","nested":{"hasOwnProperty":1,"valueOf":2,"ok":3}}',
    ],
    ['__proto__ keys', '{"__proto__":{"polluted":true},"a":{"__proto__":{"b":1}}}'],
    ['a constructor key', '{"constructor":"c","a":1}'],
    ['a nested constructor of null', '{"a":{"constructor":null,"b":1}}'],
    ['unicode and large numbers', '{"name":"Zoë ✓ \\u0000","big":12345678901234567890,"neg":-0.5}'],
  ])('builds the same instance as class-transformer from %s', (_label, json) => {
    const { ours, theirs } = bothWays(OrderPlaced, json);
    expect(ours).toBeInstanceOf(OrderPlaced);
    expect(ours).toStrictEqual(theirs);
  });

  it('leaves methods, read-only accessors and function fields alone, keeps defaults and goes through setters', () => {
    const json = '{"currency":"USD","callback":1,"label":"l","name":"n","total":5,"extra":[1]}';
    const { ours, theirs } = bothWays(WithDefaultsAndMembers, json);
    expect(ours).toStrictEqual(theirs);
    expect(ours.name).toBe('set:n');
    expect(ours.total()).toBe(0);
    expect(bothWays(WithDefaultsAndMembers, '{}').ours.currency).toBe('EUR');
  });

  it('copies values, sharing nothing with the parsed data', () => {
    const data = JSON.parse('{"lines":[{"sku":"a"}],"meta":{"a":1}}') as Record<string, object>;
    const instance = toMessageInstance(OrderPlaced, data) as unknown as Record<string, object>;
    expect(instance.lines).not.toBe(data.lines);
    expect((instance.lines as object[])[0]).not.toBe((data.lines as object[])[0]);
    expect(instance.meta).not.toBe(data.meta);
  });

  it('fails like class-transformer on a nested object naming a constructor', () => {
    const json = '{"a":{"constructor":"x"}}';
    expect(() => plainToInstance(OrderPlaced, JSON.parse(json) as object)).toThrow(TypeError);
    expect(() => toMessageInstance(OrderPlaced, JSON.parse(json) as object)).toThrow(TypeError);
  });

  it('converts @Type fields as class-transformer does, also when declared on a base class', () => {
    const json = '{"at":"2026-11-27T10:00:00.000Z","lines":[{"sku":"a"}],"extra":"e"}';
    for (const cls of [WithTypes, InheritsTypes]) {
      const { ours, theirs } = bothWays(cls, json);
      expect(ours).toStrictEqual(theirs);
      expect(ours.at).toBeInstanceOf(Date);
      expect(ours.lines[0]).toBeInstanceOf(Line);
    }
  });

  it('applies @Expose, @Exclude and @Transform as class-transformer does', () => {
    const exposed = bothWays(WithExclusions, '{"ref":"r-1","secret":"s"}');
    expect(exposed.ours).toStrictEqual(exposed.theirs);
    expect(exposed.ours.reference).toBe('r-1');
    expect(exposed.ours.secret).toBeUndefined();
    const transformed = bothWays(WithTransform, '{"code":"abc"}');
    expect(transformed.ours).toStrictEqual(transformed.theirs);
    expect(transformed.ours.code).toBe('ABC');
  });

  it('hands data that is not plain JSON to class-transformer', () => {
    const data = { at: new Date(0), nested: { when: new Date(1) } };
    expect(toMessageInstance(OrderPlaced, data)).toStrictEqual(plainToInstance(OrderPlaced, data));
    expect((toMessageInstance(OrderPlaced, data) as unknown as typeof data).nested.when).not.toBe(
      data.nested.when,
    );
  });
});

describe('declaresTransformMetadata', () => {
  it('tells classes with class-transformer decorators, on them or a base class, from the others', () => {
    expect(declaresTransformMetadata(OrderPlaced)).toBe(false);
    expect(declaresTransformMetadata(WithDefaultsAndMembers)).toBe(false);
    expect(declaresTransformMetadata(WithTypes)).toBe(true);
    expect(declaresTransformMetadata(InheritsTypes)).toBe(true);
    expect(declaresTransformMetadata(WithExclusions)).toBe(true);
    expect(declaresTransformMetadata(WithTransform)).toBe(true);
  });
});

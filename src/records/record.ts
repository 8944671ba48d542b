/**
 * What a record is: its table's columns, in the table's order, each with its field type, as plain
 * data. The store's column lists and export's columns are read off it without any library; the
 * zod schema of each record (validation, the RPC result schemas) is derived from it in
 * schemas.ts, loaded only by the operations that need one, so a one-shot read loads no validator.
 */

/** The kinds of value a column holds; schemas.ts spells each as zod. */
export type FieldKind = "text" | "row_id" | "chain_hash" | "timestamp" | "json" | "enum";

/** One column's type: its kind, whether it may be null, and what it means. */
export class Field<T> {
  /** Only a type: the value a column of this field holds. */
  declare readonly value: T;

  constructor(
    readonly kind: FieldKind,
    /** What the kind itself means (a timestamp's format); said before `nullable` applies. */
    readonly kindDescription?: string,
    /** The values an `enum` takes. */
    readonly values?: readonly [string, ...string[]],
    readonly isNullable = false,
    /** What this column means; said of the column as a whole, null included. */
    readonly description?: string,
  ) {}

  /** The same field, null allowed. */
  nullable(): Field<T | null> {
    return new Field<T | null>(
      this.kind,
      this.kindDescription,
      this.values,
      true,
      this.description,
    );
  }

  /** The same field, saying what its column means. */
  describe(description: string): Field<T> {
    return new Field<T>(this.kind, this.kindDescription, this.values, this.isNullable, description);
  }
}

/** A record's columns by name, in the table's order. */
export type Shape = { readonly [column: string]: Field<unknown> };

/** A record: the fields of its columns, in the table's order. */
export class RecordDefinition<S extends Shape> {
  constructor(readonly shape: S) {}

  /** The record without the `omitted` columns (a read that leaves some out). */
  omit<K extends keyof S & string>(
    omitted: { readonly [key in K]: true },
  ): RecordDefinition<Omit<S, K>> {
    const shape = Object.fromEntries(
      Object.entries(this.shape).filter(([column]) => !Object.hasOwn(omitted, column)),
    );
    return new RecordDefinition(shape as unknown as Omit<S, K>);
  }
}

/** Declares a record. */
export function defineRecord<S extends Shape>(shape: S): RecordDefinition<S> {
  return new RecordDefinition(shape);
}

/** The value of a record: one row as the program reads it. */
export type RecordValue<R extends RecordDefinition<Shape>> = R extends RecordDefinition<infer S>
  ? { -readonly [K in keyof S]: S[K]["value"] }
  : never;

/** The column names of a record, in its (the table's) order. */
export function columnsOf<S extends Shape>(
  record: RecordDefinition<S>,
): readonly (keyof S & string)[] {
  return Object.freeze(Object.keys(record.shape)) as readonly (keyof S & string)[];
}

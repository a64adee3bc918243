import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { StoredTick, Candle as CandleModel } from '../stores/ticks/tick-store.js';
import type { InstrumentRow, AccountRow, PositionRow } from '../stores/relational/relational-store.js';
import type { Relation, ConversionHop } from '../stores/graph/graph-store.js';
import type { Neighbour } from '../stores/vector/vector-store.js';
import type { ConversionPathModel } from '../graphql/models.js';
import type { Context } from '../graphql/context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * A point in time, in UTC. Output: ISO-8601 with milliseconds (`2026-11-27T10:15:00.123Z`).
   * Input: an ISO-8601 string with a time zone, or epoch milliseconds.
   */
  DateTime: { input: number; output: number; }
};

export type Account = {
  __typename?: 'Account';
  balance: Scalars['Float']['output'];
  /** The balance converted along the shortest conversion path at latest ticks; null when there is none. */
  balanceIn?: Maybe<Scalars['Float']['output']>;
  currency: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  login: Scalars['String']['output'];
  name: Scalars['String']['output'];
  /** Null when the relational store is unavailable. */
  positions?: Maybe<Array<Position>>;
};


export type AccountBalanceInArgs = {
  currency: Scalars['String']['input'];
};

export type AccountConnection = {
  __typename?: 'AccountConnection';
  edges: Array<AccountEdge>;
  pageInfo: PageInfo;
};

export type AccountEdge = {
  __typename?: 'AccountEdge';
  cursor: Scalars['String']['output'];
  node: Account;
};

/** OHLC of the bid over one bucket, computed in the tick store. */
export type Candle = {
  __typename?: 'Candle';
  close: Scalars['Float']['output'];
  high: Scalars['Float']['output'];
  low: Scalars['Float']['output'];
  open: Scalars['Float']['output'];
  /** Number of ticks in the bucket. */
  ticks: Scalars['Int']['output'];
  /** Start of the bucket, UTC. */
  time: Scalars['DateTime']['output'];
  /** Sum of the ticks' volumes (ticks without volume count as 0). */
  volume: Scalars['Float']['output'];
};

export type CandleInterval =
  | 'D1'
  | 'H1'
  | 'H4'
  | 'M1'
  | 'M5'
  | 'M15'
  | 'M30';

export type ConversionPath = {
  __typename?: 'ConversionPath';
  /** Product of the steps' rates: units of the target currency per unit of the source; null when a step has no rate. */
  rate?: Maybe<Scalars['Float']['output']>;
  steps: Array<ConversionStep>;
};

/** One currency pair of a conversion: from `from` to `to` through `instrument`. */
export type ConversionStep = {
  __typename?: 'ConversionStep';
  from: Scalars['String']['output'];
  /** Null when the relational store is unavailable. */
  instrument?: Maybe<Instrument>;
  /** True when `from` is the instrument's quote currency: the rate is 1 / mid. */
  inverted: Scalars['Boolean']['output'];
  /** Units of `to` per unit of `from` at the latest tick's mid price; null without a tick. */
  rate?: Maybe<Scalars['Float']['output']>;
  to: Scalars['String']['output'];
};

export type InsertTicksResult = {
  __typename?: 'InsertTicksResult';
  /** Ticks stored by this call. */
  accepted: Scalars['Int']['output'];
  /** Ticks identical in every field to one already stored (or earlier in the same batch): stored nothing. */
  duplicates: Scalars['Int']['output'];
  rejected: Array<RejectedTick>;
};

export type Instrument = {
  __typename?: 'Instrument';
  assetClass: Scalars['String']['output'];
  baseCurrency: Scalars['String']['output'];
  /**
   * Oldest first. Without `from`: the last `limit` buckets up to `to` (default now).
   * With `from`: the first `limit` buckets from `from`. `limit` defaults to 500, at most 10000.
   * Null when the tick store is unavailable.
   */
  candles?: Maybe<Array<Candle>>;
  /** Units of the base currency in one lot (100000 for a standard FX lot); profit = price move x volume x contractSize. */
  contractSize: Scalars['Float']['output'];
  description?: Maybe<Scalars['String']['output']>;
  /** Decimal places of the price. */
  digits: Scalars['Int']['output'];
  /** Null when the instrument has no tick yet, or the tick store is unavailable. */
  latestTick?: Maybe<Tick>;
  quoteCurrency: Scalars['String']['output'];
  /**
   * Instruments within `depth` steps (1 to 3), where a step shares a currency, shares a sector, or
   * follows a CORRELATED edge; `kinds` limits the steps taken. Nearest first; never this instrument.
   * Null when the graph store is unavailable.
   */
  related?: Maybe<Array<RelatedInstrument>>;
  /** Sector or group, e.g. 'Metals'; instruments of one sector are SAME_SECTOR relations. */
  sector?: Maybe<Scalars['String']['output']>;
  /**
   * Instruments whose current price pattern at `interval` is nearest to this one's (see refreshPatterns);
   * never this instrument. Null when the vector store is unavailable.
   */
  similar?: Maybe<Array<SimilarInstrument>>;
  symbol: Scalars['String']['output'];
  /** Newest first. `first` is capped at 10000. Null when the tick store is unavailable. */
  ticks?: Maybe<TickConnection>;
};


export type InstrumentCandlesArgs = {
  from?: InputMaybe<Scalars['DateTime']['input']>;
  interval: CandleInterval;
  limit?: InputMaybe<Scalars['Int']['input']>;
  to?: InputMaybe<Scalars['DateTime']['input']>;
};


export type InstrumentRelatedArgs = {
  depth?: InputMaybe<Scalars['Int']['input']>;
  kinds?: InputMaybe<Array<RelationKind>>;
};


export type InstrumentSimilarArgs = {
  interval: CandleInterval;
  k?: InputMaybe<Scalars['Int']['input']>;
};


export type InstrumentTicksArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  from?: InputMaybe<Scalars['DateTime']['input']>;
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

export type InstrumentConnection = {
  __typename?: 'InstrumentConnection';
  edges: Array<InstrumentEdge>;
  pageInfo: PageInfo;
};

export type InstrumentEdge = {
  __typename?: 'InstrumentEdge';
  cursor: Scalars['String']['output'];
  node: Instrument;
};

export type InstrumentInput = {
  assetClass: Scalars['String']['input'];
  baseCurrency: Scalars['String']['input'];
  /** Defaults to 1. */
  contractSize?: InputMaybe<Scalars['Float']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  digits: Scalars['Int']['input'];
  quoteCurrency: Scalars['String']['input'];
  sector?: InputMaybe<Scalars['String']['input']>;
  symbol: Scalars['String']['input'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Stores a batch of ticks (up to 100000 a call). Invalid ticks are listed in `rejected` and do not
   * stop the valid ones; ticks already stored are counted in `duplicates`, so re-sending a batch is safe.
   */
  insertTicks: InsertTicksResult;
  /**
   * Correlates every pair of instruments' bucket returns over the last `window` buckets of `interval`
   * (in the tick store) and replaces that interval's CORRELATED edges by the pairs whose coefficient is
   * at least `threshold` in absolute value. Returns how many edges were written.
   */
  refreshCorrelations: Scalars['Int']['output'];
  /** Computes every instrument's current price pattern at `interval` and stores it; returns how many. */
  refreshPatterns: Scalars['Int']['output'];
  /** Inserts or updates instruments by symbol; returns how many were written. */
  upsertInstruments: Scalars['Int']['output'];
};


export type MutationInsertTicksArgs = {
  ticks: Array<TickInput>;
};


export type MutationRefreshCorrelationsArgs = {
  interval: CandleInterval;
  threshold: Scalars['Float']['input'];
  window: Scalars['Int']['input'];
};


export type MutationRefreshPatternsArgs = {
  interval: CandleInterval;
};


export type MutationUpsertInstrumentsArgs = {
  instruments: Array<InstrumentInput>;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Position = {
  __typename?: 'Position';
  id: Scalars['ID']['output'];
  /** Null when the relational store is unavailable. */
  instrument?: Maybe<Instrument>;
  openPrice: Scalars['Float']['output'];
  openTime: Scalars['DateTime']['output'];
  /**
   * Floating profit in the instrument's quote currency at the latest tick: a BUY closes at the bid,
   * a SELL at the ask. Null when there is no tick or the tick store is unavailable.
   */
  profit?: Maybe<Scalars['Float']['output']>;
  side: Side;
  /** Lots. */
  volume: Scalars['Float']['output'];
};

export type Query = {
  __typename?: 'Query';
  account?: Maybe<Account>;
  /** Ordered by id. `first` defaults to 100, at most 1000. Null when the relational store is unavailable. */
  accounts?: Maybe<AccountConnection>;
  /** Same as `Instrument.candles`. */
  candles?: Maybe<Array<Candle>>;
  /** The shortest chain of currency pairs from one currency to another (at most `maxHops`, 1 to 4); null when none. */
  conversionPath?: Maybe<ConversionPath>;
  instrument?: Maybe<Instrument>;
  /** Ordered by symbol. `first` defaults to 100, at most 1000. Null when the relational store is unavailable. */
  instruments?: Maybe<InstrumentConnection>;
  /**
   * Instruments whose current price pattern at `interval` is nearest to `vector` (its length must be the
   * pattern length). Null when the vector store is unavailable.
   */
  similarPatterns?: Maybe<Array<SimilarInstrument>>;
  /** Newest first. `first` is capped at 10000. Null when the tick store is unavailable. */
  ticks?: Maybe<TickConnection>;
};


export type QueryAccountArgs = {
  id: Scalars['ID']['input'];
};


export type QueryAccountsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryCandlesArgs = {
  from?: InputMaybe<Scalars['DateTime']['input']>;
  interval: CandleInterval;
  limit?: InputMaybe<Scalars['Int']['input']>;
  symbol: Scalars['String']['input'];
  to?: InputMaybe<Scalars['DateTime']['input']>;
};


export type QueryConversionPathArgs = {
  from: Scalars['String']['input'];
  maxHops?: InputMaybe<Scalars['Int']['input']>;
  to: Scalars['String']['input'];
};


export type QueryInstrumentArgs = {
  symbol: Scalars['String']['input'];
};


export type QueryInstrumentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  assetClass?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QuerySimilarPatternsArgs = {
  assetClass?: InputMaybe<Scalars['String']['input']>;
  interval: CandleInterval;
  k?: InputMaybe<Scalars['Int']['input']>;
  vector: Array<Scalars['Float']['input']>;
};


export type QueryTicksArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  from?: InputMaybe<Scalars['DateTime']['input']>;
  symbol: Scalars['String']['input'];
  to?: InputMaybe<Scalars['DateTime']['input']>;
};

export type RejectedTick = {
  __typename?: 'RejectedTick';
  /** Position of the tick in the `ticks` argument, from 0. */
  index: Scalars['Int']['output'];
  reason: Scalars['String']['output'];
};

/**
 * An instrument related to another. `distance` is the fewest steps; `kind` and `weight` describe the
 * last step (`weight` is the correlation coefficient of a CORRELATED step, else null).
 */
export type RelatedInstrument = {
  __typename?: 'RelatedInstrument';
  distance: Scalars['Int']['output'];
  /** Null when the relational store is unavailable. */
  instrument?: Maybe<Instrument>;
  kind: RelationKind;
  weight?: Maybe<Scalars['Float']['output']>;
};

export type RelationKind =
  | 'CORRELATED'
  | 'SAME_SECTOR'
  | 'SHARES_CURRENCY';

export type Side =
  | 'BUY'
  | 'SELL';

export type SimilarInstrument = {
  __typename?: 'SimilarInstrument';
  /** Cosine distance between the two price patterns: 0 moves alike, 2 moves opposite. */
  distance: Scalars['Float']['output'];
  /** Null when the relational store is unavailable. */
  instrument?: Maybe<Instrument>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * Every accepted tick of these symbols, once, in the order each symbol's ticks were accepted.
   * Each delivered tick's `cursor` marks the subscriber's place: after a lost connection, pass
   * the last one received as `after` to get the ticks missed meanwhile, then live ones, with no
   * gap and no duplicate.
   */
  ticks: Tick;
};


export type SubscriptionTicksArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  symbols: Array<Scalars['String']['input']>;
};

/** One price update of an instrument, as a MetaTrader terminal reports it. */
export type Tick = {
  __typename?: 'Tick';
  ask: Scalars['Float']['output'];
  bid: Scalars['Float']['output'];
  /**
   * Opaque position: from a query, pass it as `after` to page on from this tick; from the
   * `ticks` subscription, pass it as the subscription's `after` to resume from this tick.
   */
  cursor: Scalars['String']['output'];
  /** MetaTrader tick flags: 2 bid, 4 ask, 8 last, 16 volume changed; 32 buy, 64 sell trade. */
  flags?: Maybe<Scalars['Int']['output']>;
  last?: Maybe<Scalars['Float']['output']>;
  symbol: Scalars['String']['output'];
  time: Scalars['DateTime']['output'];
  volume?: Maybe<Scalars['Float']['output']>;
};

/** Ticks newest first. */
export type TickConnection = {
  __typename?: 'TickConnection';
  edges: Array<TickEdge>;
  pageInfo: PageInfo;
};

export type TickEdge = {
  __typename?: 'TickEdge';
  cursor: Scalars['String']['output'];
  node: Tick;
};

export type TickInput = {
  ask: Scalars['Float']['input'];
  bid: Scalars['Float']['input'];
  flags?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Float']['input']>;
  symbol: Scalars['String']['input'];
  time: Scalars['DateTime']['input'];
  volume?: InputMaybe<Scalars['Float']['input']>;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Account: Account;
  Instrument: Instrument;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Account:
    ( { __typename: 'Account' }
    & GraphQLRecursivePick<FederationTypes['Account'], {"id":true}> );
  Instrument:
    ( { __typename: 'Instrument' }
    & GraphQLRecursivePick<FederationTypes['Instrument'], {"symbol":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Account: ResolverTypeWrapper<AccountRow>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  AccountConnection: ResolverTypeWrapper<Omit<AccountConnection, 'edges'> & { edges: Array<ResolversTypes['AccountEdge']> }>;
  AccountEdge: ResolverTypeWrapper<Omit<AccountEdge, 'node'> & { node: ResolversTypes['Account'] }>;
  Candle: ResolverTypeWrapper<CandleModel>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  CandleInterval: CandleInterval;
  ConversionPath: ResolverTypeWrapper<ConversionPathModel>;
  ConversionStep: ResolverTypeWrapper<ConversionHop>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  InsertTicksResult: ResolverTypeWrapper<InsertTicksResult>;
  Instrument: ResolverTypeWrapper<InstrumentRow>;
  InstrumentConnection: ResolverTypeWrapper<Omit<InstrumentConnection, 'edges'> & { edges: Array<ResolversTypes['InstrumentEdge']> }>;
  InstrumentEdge: ResolverTypeWrapper<Omit<InstrumentEdge, 'node'> & { node: ResolversTypes['Instrument'] }>;
  InstrumentInput: InstrumentInput;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Position: ResolverTypeWrapper<PositionRow>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RejectedTick: ResolverTypeWrapper<RejectedTick>;
  RelatedInstrument: ResolverTypeWrapper<Relation>;
  RelationKind: RelationKind;
  Side: Side;
  SimilarInstrument: ResolverTypeWrapper<Neighbour>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Tick: ResolverTypeWrapper<StoredTick>;
  TickConnection: ResolverTypeWrapper<Omit<TickConnection, 'edges'> & { edges: Array<ResolversTypes['TickEdge']> }>;
  TickEdge: ResolverTypeWrapper<Omit<TickEdge, 'node'> & { node: ResolversTypes['Tick'] }>;
  TickInput: TickInput;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Account: AccountRow;
  Float: Scalars['Float']['output'];
  ID: Scalars['ID']['output'];
  AccountConnection: Omit<AccountConnection, 'edges'> & { edges: Array<ResolversParentTypes['AccountEdge']> };
  AccountEdge: Omit<AccountEdge, 'node'> & { node: ResolversParentTypes['Account'] };
  Candle: CandleModel;
  Int: Scalars['Int']['output'];
  ConversionPath: ConversionPathModel;
  ConversionStep: ConversionHop;
  DateTime: Scalars['DateTime']['output'];
  InsertTicksResult: InsertTicksResult;
  Instrument: InstrumentRow;
  InstrumentConnection: Omit<InstrumentConnection, 'edges'> & { edges: Array<ResolversParentTypes['InstrumentEdge']> };
  InstrumentEdge: Omit<InstrumentEdge, 'node'> & { node: ResolversParentTypes['Instrument'] };
  InstrumentInput: InstrumentInput;
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  Position: PositionRow;
  Query: Record<PropertyKey, never>;
  RejectedTick: RejectedTick;
  RelatedInstrument: Relation;
  SimilarInstrument: Neighbour;
  Subscription: Record<PropertyKey, never>;
  Tick: StoredTick;
  TickConnection: Omit<TickConnection, 'edges'> & { edges: Array<ResolversParentTypes['TickEdge']> };
  TickEdge: Omit<TickEdge, 'node'> & { node: ResolversParentTypes['Tick'] };
  TickInput: TickInput;
  String: Scalars['String']['output'];
  Boolean: Scalars['Boolean']['output'];
}>;

export type LinkDirectiveArgs = {
  import?: Maybe<Array<Maybe<Scalars['String']['input']>>>;
  url: Scalars['String']['input'];
};

export type LinkDirectiveResolver<Result, Parent, ContextType = Context, Args = LinkDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ShareableDirectiveArgs = { };

export type ShareableDirectiveResolver<Result, Parent, ContextType = Context, Args = ShareableDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type AccountResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Account'] = ResolversParentTypes['Account'], FederationReferenceType extends FederationReferenceTypes['Account'] = FederationReferenceTypes['Account']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Account']> | FederationReferenceType, FederationReferenceType, ContextType>;
  balance?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  balanceIn?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType, RequireFields<AccountBalanceInArgs, 'currency'>>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  login?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  positions?: Resolver<Maybe<Array<ResolversTypes['Position']>>, ParentType, ContextType>;
}>;

export type AccountConnectionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['AccountConnection'] = ResolversParentTypes['AccountConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['AccountEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type AccountEdgeResolvers<ContextType = Context, ParentType extends ResolversParentTypes['AccountEdge'] = ResolversParentTypes['AccountEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Account'], ParentType, ContextType>;
}>;

export type CandleResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Candle'] = ResolversParentTypes['Candle']> = ResolversObject<{
  close?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  high?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  low?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  open?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  ticks?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  time?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  volume?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
}>;

export type ConversionPathResolvers<ContextType = Context, ParentType extends ResolversParentTypes['ConversionPath'] = ResolversParentTypes['ConversionPath']> = ResolversObject<{
  rate?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  steps?: Resolver<Array<ResolversTypes['ConversionStep']>, ParentType, ContextType>;
}>;

export type ConversionStepResolvers<ContextType = Context, ParentType extends ResolversParentTypes['ConversionStep'] = ResolversParentTypes['ConversionStep']> = ResolversObject<{
  from?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  instrument?: Resolver<Maybe<ResolversTypes['Instrument']>, ParentType, ContextType>;
  inverted?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  rate?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  to?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type InsertTicksResultResolvers<ContextType = Context, ParentType extends ResolversParentTypes['InsertTicksResult'] = ResolversParentTypes['InsertTicksResult']> = ResolversObject<{
  accepted?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  duplicates?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  rejected?: Resolver<Array<ResolversTypes['RejectedTick']>, ParentType, ContextType>;
}>;

export type InstrumentResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Instrument'] = ResolversParentTypes['Instrument'], FederationReferenceType extends FederationReferenceTypes['Instrument'] = FederationReferenceTypes['Instrument']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Instrument']> | FederationReferenceType, FederationReferenceType, ContextType>;
  assetClass?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  baseCurrency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  candles?: Resolver<Maybe<Array<ResolversTypes['Candle']>>, ParentType, ContextType, RequireFields<InstrumentCandlesArgs, 'interval'>>;
  contractSize?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  digits?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  latestTick?: Resolver<Maybe<ResolversTypes['Tick']>, ParentType, ContextType>;
  quoteCurrency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  related?: Resolver<Maybe<Array<ResolversTypes['RelatedInstrument']>>, ParentType, ContextType, RequireFields<InstrumentRelatedArgs, 'depth'>>;
  sector?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  similar?: Resolver<Maybe<Array<ResolversTypes['SimilarInstrument']>>, ParentType, ContextType, RequireFields<InstrumentSimilarArgs, 'interval' | 'k'>>;
  symbol?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  ticks?: Resolver<Maybe<ResolversTypes['TickConnection']>, ParentType, ContextType, RequireFields<InstrumentTicksArgs, 'first'>>;
}>;

export type InstrumentConnectionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['InstrumentConnection'] = ResolversParentTypes['InstrumentConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['InstrumentEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type InstrumentEdgeResolvers<ContextType = Context, ParentType extends ResolversParentTypes['InstrumentEdge'] = ResolversParentTypes['InstrumentEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Instrument'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  insertTicks?: Resolver<ResolversTypes['InsertTicksResult'], ParentType, ContextType, RequireFields<MutationInsertTicksArgs, 'ticks'>>;
  refreshCorrelations?: Resolver<ResolversTypes['Int'], ParentType, ContextType, RequireFields<MutationRefreshCorrelationsArgs, 'interval' | 'threshold' | 'window'>>;
  refreshPatterns?: Resolver<ResolversTypes['Int'], ParentType, ContextType, RequireFields<MutationRefreshPatternsArgs, 'interval'>>;
  upsertInstruments?: Resolver<ResolversTypes['Int'], ParentType, ContextType, RequireFields<MutationUpsertInstrumentsArgs, 'instruments'>>;
}>;

export type PageInfoResolvers<ContextType = Context, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type PositionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Position'] = ResolversParentTypes['Position']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  instrument?: Resolver<Maybe<ResolversTypes['Instrument']>, ParentType, ContextType>;
  openPrice?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  openTime?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  profit?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  side?: Resolver<ResolversTypes['Side'], ParentType, ContextType>;
  volume?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  account?: Resolver<Maybe<ResolversTypes['Account']>, ParentType, ContextType, RequireFields<QueryAccountArgs, 'id'>>;
  accounts?: Resolver<Maybe<ResolversTypes['AccountConnection']>, ParentType, ContextType, Partial<QueryAccountsArgs>>;
  candles?: Resolver<Maybe<Array<ResolversTypes['Candle']>>, ParentType, ContextType, RequireFields<QueryCandlesArgs, 'interval' | 'symbol'>>;
  conversionPath?: Resolver<Maybe<ResolversTypes['ConversionPath']>, ParentType, ContextType, RequireFields<QueryConversionPathArgs, 'from' | 'maxHops' | 'to'>>;
  instrument?: Resolver<Maybe<ResolversTypes['Instrument']>, ParentType, ContextType, RequireFields<QueryInstrumentArgs, 'symbol'>>;
  instruments?: Resolver<Maybe<ResolversTypes['InstrumentConnection']>, ParentType, ContextType, Partial<QueryInstrumentsArgs>>;
  similarPatterns?: Resolver<Maybe<Array<ResolversTypes['SimilarInstrument']>>, ParentType, ContextType, RequireFields<QuerySimilarPatternsArgs, 'interval' | 'k' | 'vector'>>;
  ticks?: Resolver<Maybe<ResolversTypes['TickConnection']>, ParentType, ContextType, RequireFields<QueryTicksArgs, 'first' | 'symbol'>>;
}>;

export type RejectedTickResolvers<ContextType = Context, ParentType extends ResolversParentTypes['RejectedTick'] = ResolversParentTypes['RejectedTick']> = ResolversObject<{
  index?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type RelatedInstrumentResolvers<ContextType = Context, ParentType extends ResolversParentTypes['RelatedInstrument'] = ResolversParentTypes['RelatedInstrument']> = ResolversObject<{
  distance?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  instrument?: Resolver<Maybe<ResolversTypes['Instrument']>, ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['RelationKind'], ParentType, ContextType>;
  weight?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
}>;

export type SimilarInstrumentResolvers<ContextType = Context, ParentType extends ResolversParentTypes['SimilarInstrument'] = ResolversParentTypes['SimilarInstrument']> = ResolversObject<{
  distance?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  instrument?: Resolver<Maybe<ResolversTypes['Instrument']>, ParentType, ContextType>;
}>;

export type SubscriptionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = ResolversObject<{
  ticks?: SubscriptionResolver<ResolversTypes['Tick'], "ticks", ParentType, ContextType, RequireFields<SubscriptionTicksArgs, 'symbols'>>;
}>;

export type TickResolvers<ContextType = Context, ParentType extends ResolversParentTypes['Tick'] = ResolversParentTypes['Tick']> = ResolversObject<{
  ask?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  bid?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  flags?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  last?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  symbol?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  time?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  volume?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
}>;

export type TickConnectionResolvers<ContextType = Context, ParentType extends ResolversParentTypes['TickConnection'] = ResolversParentTypes['TickConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['TickEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type TickEdgeResolvers<ContextType = Context, ParentType extends ResolversParentTypes['TickEdge'] = ResolversParentTypes['TickEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Tick'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = Context> = ResolversObject<{
  Account?: AccountResolvers<ContextType>;
  AccountConnection?: AccountConnectionResolvers<ContextType>;
  AccountEdge?: AccountEdgeResolvers<ContextType>;
  Candle?: CandleResolvers<ContextType>;
  ConversionPath?: ConversionPathResolvers<ContextType>;
  ConversionStep?: ConversionStepResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  InsertTicksResult?: InsertTicksResultResolvers<ContextType>;
  Instrument?: InstrumentResolvers<ContextType>;
  InstrumentConnection?: InstrumentConnectionResolvers<ContextType>;
  InstrumentEdge?: InstrumentEdgeResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Position?: PositionResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  RejectedTick?: RejectedTickResolvers<ContextType>;
  RelatedInstrument?: RelatedInstrumentResolvers<ContextType>;
  SimilarInstrument?: SimilarInstrumentResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  Tick?: TickResolvers<ContextType>;
  TickConnection?: TickConnectionResolvers<ContextType>;
  TickEdge?: TickEdgeResolvers<ContextType>;
}>;

export type DirectiveResolvers<ContextType = Context> = ResolversObject<{
  link?: LinkDirectiveResolver<any, any, ContextType>;
  shareable?: ShareableDirectiveResolver<any, any, ContextType>;
}>;

//+------------------------------------------------------------------+
//| MarketgraphBridge.mq5                                            |
//| Sends this terminal's ticks to a marketgraph gateway through     |
//| insertTicks, the reference bridge of issue 16.                   |
//|                                                                  |
//| NOT COMPILED OR RUN by the marketgraph project: MQL5 cannot be   |
//| compiled or run on the machines it is built on. Its request and  |
//| answer handling follows src/bridge/ (insert-body.ts,             |
//| retry-table.ts, mt5-tick.ts) line for line, and SelfTest checks  |
//| its JSON against the fixture the TypeScript tests check theirs   |
//| against (bridge/mt5/fixture/). See README, MetaTrader 5 bridge.  |
//+------------------------------------------------------------------+
#property copyright "marketgraph"
#property version   "1.00"
#property description "Sends ticks to a marketgraph gateway (insertTicks). Allow the URL under Tools > Options > Expert Advisors."

input string GatewayUrl       = "http://127.0.0.1:4000/graphql"; // gateway URL (allow it in Tools > Options > Expert Advisors)
input string ApiKey           = "";                // an ingest key: marketgraph keys create --role ingest
input string Symbols          = "EURUSD,GBPUSD";   // broker symbols; "EURUSD.m=EURUSD" sends EURUSD.m as EURUSD
input string StripSuffix      = "";                // removed from a broker symbol without "=", e.g. ".m"
input int    BatchSize        = 1000;              // ticks per insertTicks call, at most
input int    FlushIntervalMs  = 100;               // how often new ticks are collected and sent
input int    RequestTimeoutMs = 30000;             // one attempt; then re-sent with backoff
input bool   SelfTest         = false;             // print the fixture's body, compare it with MQL5/Files/marketgraph-fixture-body.json, stop

// The request: the variables form of insertTicks, the gateway's fast path (src/bridge/insert-body.ts).
const string QUERY = "mutation Bridge($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted duplicates rejected { index reason } } }";
const string STATE_FILE = "MarketgraphBridge.state";   // in MQL5/Files: per symbol, the last acknowledged time_msc
const int    BACKOFF_FIRST_MS = 500;
const int    BACKOFF_MAX_MS = 30000;
const int    DEFAULT_RETRY_AFTER_MS = 1000;
const int    MAX_RETRY_AFTER_MS = 300000;

struct Feed
  {
   string            broker;       // the terminal's symbol
   string            gateway;      // the gateway's symbol
   int               digits;       // SYMBOL_DIGITS: how prices are written
   long              ackedMsc;     // time_msc (server time) of the newest acknowledged tick
   int               ackedAtMsc;   // how many ticks of that millisecond were acknowledged
   long              batchMsc;     // the same two, for the batch being sent
   int               batchAtMsc;
  };

Feed     feeds[];
string   batchBody = "";     // the batch being sent: re-sent byte for byte until answered
int      batchTicks = 0;
int      attempt = 0;        // backoff attempts of this batch
ulong    retryAt = 0;        // GetTickCount64() before which nothing is sent
bool     stopped = false;
long     sent = 0, accepted = 0, duplicates = 0, rejected = 0, retries = 0;
datetime lastSummary = 0;

//+------------------------------------------------------------------+
int OnInit()
  {
   if(SelfTest)
     {
      RunSelfTest();
      return(INIT_FAILED); // a self-test sends nothing
     }
   if(!ParseSymbols(Symbols, StripSuffix))
      return(INIT_PARAMETERS_INCORRECT);
   LoadState();
   EventSetMillisecondTimer((int)MathMax(FlushIntervalMs, 10));
   PrintFormat("marketgraph: started: %d symbols to %s, batches of %d", ArraySize(feeds), GatewayUrl, BatchSize);
   return(INIT_SUCCEEDED);
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   SaveState();
  }

// OnTick does nothing: ticks are read from the terminal's history on the timer, so a slow
// gateway never blocks the chart, and no tick is missed between two OnTick calls.
void OnTick() {}

void OnTimer()
  {
   if(stopped || GetTickCount64() < retryAt)
      return;
   if(batchTicks == 0 && !CollectBatch())
      return;
   SendBatch();
   if(TimeLocal() - lastSummary >= 60)
     {
      PrintFormat("marketgraph: %I64d sent: %I64d accepted, %I64d duplicates, %I64d rejected; %I64d retries", sent, accepted, duplicates, rejected, retries);
      lastSummary = TimeLocal();
     }
  }

//+------------------------------------------------------------------+
//| The batch: new ticks of every symbol since its last acknowledged  |
//| one, at most BatchSize, as one request body.                      |
//+------------------------------------------------------------------+
bool CollectBatch()
  {
   // Server time to UTC: the server's offset now, in quarter hours (TimeTradeServer is an
   // estimate from the local clock; offsets in use are whole quarter hours).
   long offsetMs = (long)(MathRound((double)(TimeTradeServer() - TimeGMT()) / 900.0) * 900) * 1000;
   long nowMsc = (long)TimeTradeServer() * 1000 + 1000;
   string ticksJson = "";
   batchTicks = 0;
   for(int f = 0; f < ArraySize(feeds) && batchTicks < BatchSize; f++)
     {
      feeds[f].batchMsc = feeds[f].ackedMsc;
      feeds[f].batchAtMsc = feeds[f].ackedAtMsc;
      MqlTick ticks[];
      // From the acknowledged millisecond itself: ticks of it not acknowledged yet are in it.
      int n = CopyTicksRange(feeds[f].broker, ticks, COPY_TICKS_ALL, (ulong)feeds[f].ackedMsc, (ulong)nowMsc);
      if(n <= 0)
         continue;
      int skip = 0;
      for(int i = 0; i < n && batchTicks < BatchSize; i++)
        {
         if(ticks[i].time_msc == feeds[f].ackedMsc && skip < feeds[f].ackedAtMsc)
           {
            skip++;
            continue;
           }
         ticksJson += (batchTicks == 0 ? "" : ",") + TickJson(feeds[f].gateway, ticks[i], ticks[i].time_msc - offsetMs, feeds[f].digits);
         batchTicks++;
         if(ticks[i].time_msc == feeds[f].batchMsc)
            feeds[f].batchAtMsc++;
         else
           {
            feeds[f].batchMsc = ticks[i].time_msc;
            feeds[f].batchAtMsc = 1;
           }
        }
     }
   if(batchTicks == 0)
      return(false);
   batchBody = BodyJson(ticksJson);
   attempt = 0;
   return(true);
  }

//+------------------------------------------------------------------+
//| One attempt, and what its answer means: the retry table of        |
//| src/bridge/retry-table.ts, in its order.                          |
//+------------------------------------------------------------------+
void SendBatch()
  {
   char   data[], result[];
   string answerHeaders;
   StringToCharArray(batchBody, data, 0, StringLen(batchBody), CP_UTF8);
   string headers = "Content-Type: application/json\r\n";
   if(ApiKey != "")
      headers += "Authorization: Bearer " + ApiKey + "\r\n";
   ResetLastError();
   int status = WebRequest("POST", GatewayUrl, headers, RequestTimeoutMs, data, result, answerHeaders);
   if(status == -1)
     {
      int error = GetLastError();
      if(error == 4014) // ERR_FUNCTION_NOT_ALLOWED: the URL is not in the allowed list
        { Stop(StringFormat("WebRequest may not call %s: add it under Tools > Options > Expert Advisors", GatewayUrl)); return; }
      Backoff(StringFormat("connection error %d", error)); // timeout, refused or reset: safe to re-send
      return;
     }
   string text = CharArrayToString(result, 0, WHOLE_ARRAY, CP_UTF8);
   string code = JsonString(text, "\"code\":\"");
   string label = "HTTP " + IntegerToString(status) + (code != "" ? " " + code : "");
   if(status == 200 && StringFind(text, "\"insertTicks\":{") >= 0 && StringFind(text, "\"errors\"") < 0)
     { Done(text); return; }
   if(code == "OVERLOADED" || code == "RATE_LIMITED" || (code == "" && (status == 429 || status == 503)))
     { Wait(code != "" ? code : label, RetryAfterMs(answerHeaders)); return; }
   if(code == "STORE_UNAVAILABLE" || code == "INTERNAL_SERVER_ERROR" || status == 408 || status >= 500)
     { Backoff(code != "" ? code : label); return; }
   if(status == 401 || code == "UNAUTHENTICATED")
     { Stop("the gateway refused the API key (" + label + "): create one with `marketgraph keys create --role ingest`"); return; }
   if(status == 403 || code == "FORBIDDEN")
     { Stop("the API key may not insert ticks (" + label + "): it needs the ingest role"); return; }
   Stop("the gateway refused the batch (" + label + "): " + StringSubstr(text, 0, 200));
  }

void Done(const string text)
  {
   sent += batchTicks;
   accepted += JsonInteger(text, "\"accepted\":");
   duplicates += JsonInteger(text, "\"duplicates\":");
   // Rejected ticks are reported, never re-sent: they would be rejected again.
   for(int at = StringFind(text, "\"reason\":\""); at >= 0; at = StringFind(text, "\"reason\":\"", at + 1))
     {
      rejected++;
      if(rejected <= 10)
         Print("marketgraph: a tick was rejected: ", JsonString(StringSubstr(text, at), "\"reason\":\""));
     }
   for(int f = 0; f < ArraySize(feeds); f++)
     {
      feeds[f].ackedMsc = feeds[f].batchMsc;
      feeds[f].ackedAtMsc = feeds[f].batchAtMsc;
     }
   SaveState();
   batchTicks = 0;
   batchBody = "";
  }

void Wait(const string reason, const int ms)
  {
   retries++;
   retryAt = GetTickCount64() + ms;
   PrintFormat("marketgraph: %s: re-sending %d ticks in %.1f s", reason, batchTicks, ms / 1000.0);
  }

void Backoff(const string reason)
  {
   retries++;
   attempt++;
   // Exponential backoff with jitter, as backoffMs in retry-table.ts.
   double ceiling = MathMin(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * MathPow(2, attempt - 1));
   int ms = (int)(ceiling / 2 + (MathRand() / 32767.0) * ceiling / 2);
   retryAt = GetTickCount64() + ms;
   PrintFormat("marketgraph: %s: re-sending %d ticks in %.1f s (attempt %d)", reason, batchTicks, ms / 1000.0, attempt);
  }

void Stop(const string message)
  {
   stopped = true;
   EventKillTimer();
   Print("marketgraph: stopped: ", message);
   Alert("MarketgraphBridge stopped: ", message);
  }

// Retry-After in seconds (the gateway's form), bounded as in retry-table.ts.
int RetryAfterMs(const string headers)
  {
   string lower = headers;
   StringToLower(lower);
   int at = StringFind(lower, "retry-after:");
   if(at < 0)
      return(DEFAULT_RETRY_AFTER_MS);
   // The gateway sends whole seconds; an HTTP date (a proxy's) reads as 0: re-sent at once.
   long seconds = StringToInteger(StringSubstr(headers, at + 12));
   return((int)MathMax(0, MathMin(MAX_RETRY_AFTER_MS, seconds * 1000)));
  }

//+------------------------------------------------------------------+
//| The body, by the rules of src/bridge/insert-body.ts and           |
//| mt5-tick.ts: keys in order, time as UTC epoch ms, numbers without |
//| trailing zeros, last and volume of 0 as null, flags' bit 31 off.  |
//+------------------------------------------------------------------+
string BodyJson(const string ticksJson)
  {
   return("{\"query\":\"" + QUERY + "\",\"variables\":{\"ticks\":[" + ticksJson + "]}}");
  }

string TickJson(const string symbol, const MqlTick &tick, const long utcMsc, const int digits)
  {
   return("{\"symbol\":" + JsonQuote(symbol)
          + ",\"time\":" + IntegerToString(utcMsc)
          + ",\"bid\":" + NumberJson(tick.bid, digits)
          + ",\"ask\":" + NumberJson(tick.ask, digits)
          + ",\"last\":" + (tick.last > 0 ? NumberJson(tick.last, digits) : "null")
          + ",\"volume\":" + (tick.volume_real > 0 ? NumberJson(tick.volume_real, 8) : "null")
          // MqlTick.flags is a uint, the gateway's flags a signed 32-bit GraphQL Int.
          + ",\"flags\":" + IntegerToString((long)(tick.flags & 0x7FFFFFFF))
          + "}");
  }

// 1.08510 with 5 digits is written 1.0851, as JavaScript writes the same double.
string NumberJson(const double value, const int digits)
  {
   string text = DoubleToString(value, digits);
   if(StringFind(text, ".") < 0)
      return(text);
   int end = StringLen(text);
   while(end > 0 && StringGetCharacter(text, end - 1) == '0')
      end--;
   if(end > 0 && StringGetCharacter(text, end - 1) == '.')
      end--;
   return(StringSubstr(text, 0, end));
  }

string JsonQuote(const string text)
  {
   string escaped = text;
   StringReplace(escaped, "\\", "\\\\");
   StringReplace(escaped, "\"", "\\\"");
   return("\"" + escaped + "\"");
  }

// The string after `key` up to the next quote, or "" (enough for codes and reasons).
string JsonString(const string text, const string key)
  {
   int at = StringFind(text, key);
   if(at < 0)
      return("");
   at += StringLen(key);
   int end = StringFind(text, "\"", at);
   return(end < 0 ? "" : StringSubstr(text, at, end - at));
  }

long JsonInteger(const string text, const string key)
  {
   int at = StringFind(text, key);
   return(at < 0 ? 0 : StringToInteger(StringSubstr(text, at + StringLen(key))));
  }

//+------------------------------------------------------------------+
//| Symbols and the state file                                        |
//+------------------------------------------------------------------+
// "EURUSD.m=EURUSD,XAUUSD.pro=XAUUSD": the gateway's symbol for each broker symbol; without
// "=", the broker symbol less StripSuffix (symbolMap in src/bridge/mt5-tick.ts).
bool ParseSymbols(const string spec, const string suffix)
  {
   string entries[];
   int n = StringSplit(spec, ',', entries);
   ArrayResize(feeds, 0);
   for(int i = 0; i < n; i++)
     {
      string entry = entries[i];
      StringTrimLeft(entry);
      StringTrimRight(entry);
      if(entry == "")
         continue;
      string parts[];
      Feed feed;
      feed.broker = entry;
      feed.gateway = entry;
      if(StringSplit(entry, '=', parts) == 2)
        {
         feed.broker = parts[0];
         feed.gateway = parts[1];
        }
      else
         if(suffix != "" && StringLen(entry) > StringLen(suffix) && StringSubstr(entry, StringLen(entry) - StringLen(suffix)) == suffix)
            feed.gateway = StringSubstr(entry, 0, StringLen(entry) - StringLen(suffix));
      if(!SymbolSelect(feed.broker, true))
        {
         PrintFormat("marketgraph: unknown symbol %s in Symbols", feed.broker);
         return(false);
        }
      feed.digits = (int)SymbolInfoInteger(feed.broker, SYMBOL_DIGITS);
      feed.ackedMsc = (long)TimeCurrent() * 1000; // without a state file: from now on
      feed.ackedAtMsc = 0;
      int k = ArraySize(feeds);
      ArrayResize(feeds, k + 1);
      feeds[k] = feed;
     }
   return(ArraySize(feeds) > 0);
  }

// One line per symbol: broker symbol, acknowledged time_msc, ticks of that millisecond.
void SaveState()
  {
   int file = FileOpen(STATE_FILE, FILE_WRITE | FILE_TXT | FILE_ANSI);
   if(file == INVALID_HANDLE)
      return;
   for(int f = 0; f < ArraySize(feeds); f++)
      FileWriteString(file, feeds[f].broker + "\t" + IntegerToString(feeds[f].ackedMsc) + "\t" + IntegerToString(feeds[f].ackedAtMsc) + "\n");
   FileClose(file);
  }

void LoadState()
  {
   int file = FileOpen(STATE_FILE, FILE_READ | FILE_TXT | FILE_ANSI);
   if(file == INVALID_HANDLE)
      return;
   while(!FileIsEnding(file))
     {
      string parts[];
      if(StringSplit(FileReadString(file), '\t', parts) != 3)
         continue;
      for(int f = 0; f < ArraySize(feeds); f++)
         if(feeds[f].broker == parts[0])
           {
            feeds[f].ackedMsc = StringToInteger(parts[1]);
            feeds[f].ackedAtMsc = (int)StringToInteger(parts[2]);
            PrintFormat("marketgraph: resuming %s after %s (server time)", feeds[f].broker, TimeToString((datetime)(feeds[f].ackedMsc / 1000), TIME_DATE | TIME_SECONDS));
           }
     }
   FileClose(file);
  }

//+------------------------------------------------------------------+
//| SelfTest: the ticks of bridge/mt5/fixture/ticks.json (the         |
//| TypeScript test checks this list against that file) through the   |
//| same functions as live ticks; the body must equal body.json.      |
//+------------------------------------------------------------------+
// FIXTURE symbol|time_msc|bid|ask|last|volume_real|flags
string FIXTURE[] =
  {
   "EURUSD.m|1795773600017|1.0851|1.0853|0|0|6",
   "EURUSD.m|1795773600228|1.0851|1.08526|0|0|4",
   "XAUUSD.m|1795773600500|2650.5|2650.82|2650.6|0.5|30",
   "USDJPY|1795773601000|151.234|151.25|0|0|2147483654",
   "EURUSD.m|1795773601250|1.08|1.0802|0|3|2"
  };
// END FIXTURE
const string FIXTURE_SYMBOLS = "EURUSD.m,XAUUSD.m=GOLD,USDJPY";
const string FIXTURE_SUFFIX = ".m";
const long   FIXTURE_OFFSET_MS = 7200000;

void RunSelfTest()
  {
   string names[] = {"EURUSD.m", "XAUUSD.m", "USDJPY"};
   int    digits[] = {5, 2, 3};
   string ticksJson = "";
   for(int i = 0; i < ArraySize(FIXTURE); i++)
     {
      string p[];
      StringSplit(FIXTURE[i], '|', p);
      MqlTick tick;
      tick.time_msc = StringToInteger(p[1]);
      tick.bid = StringToDouble(p[2]);
      tick.ask = StringToDouble(p[3]);
      tick.last = StringToDouble(p[4]);
      tick.volume_real = StringToDouble(p[5]);
      tick.flags = (uint)StringToInteger(p[6]);
      int d = 0;
      for(int k = 0; k < ArraySize(names); k++)
         if(names[k] == p[0])
            d = digits[k];
      ticksJson += (i == 0 ? "" : ",") + TickJson(GatewaySymbol(p[0]), tick, tick.time_msc - FIXTURE_OFFSET_MS, d);
     }
   string body = BodyJson(ticksJson);
   Print("marketgraph: self-test body: ", body);
   int file = FileOpen("marketgraph-fixture-body.json", FILE_READ | FILE_TXT | FILE_ANSI);
   if(file == INVALID_HANDLE)
     {
      Print("marketgraph: self-test: copy bridge/mt5/fixture/body.json to MQL5/Files/marketgraph-fixture-body.json to compare");
      return;
     }
   string expected = FileReadString(file);
   FileClose(file);
   Print(expected == body ? "marketgraph: self-test PASSED" : "marketgraph: self-test FAILED: the body differs from body.json");
  }

string GatewaySymbol(const string broker)
  {
   string entries[];
   int n = StringSplit(FIXTURE_SYMBOLS, ',', entries);
   for(int i = 0; i < n; i++)
     {
      string parts[];
      if(StringSplit(entries[i], '=', parts) == 2 && parts[0] == broker)
         return(parts[1]);
     }
   int s = StringLen(FIXTURE_SUFFIX);
   if(StringLen(broker) > s && StringSubstr(broker, StringLen(broker) - s) == FIXTURE_SUFFIX)
      return(StringSubstr(broker, 0, StringLen(broker) - s));
   return(broker);
  }
//+------------------------------------------------------------------+

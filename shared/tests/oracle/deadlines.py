# Independent oracle for shared/tests/deadlines.rs: a minute-by-minute simulation of the
# same calendars with Python's zoneinfo, and open-day targets ("1d") counted date by date.
# Run `python3 shared/tests/oracle/deadlines.py`; its output is the table the Rust test
# checks.
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
DAYS=['mon','tue','wed','thu','fri','sat','sun']
def is_holiday(d, holidays):
    for h in holidays:
        if '..' in h:
            a,b=h.split('..')
            if len(a)==10:
                if a<=d.isoformat()<=b: return True
            else:
                md=d.strftime('%m-%d')
                if (a<=md<=b) if a<=b else (md>=a or md<=b): return True
        elif h in (d.isoformat(), d.strftime('%m-%d')): return True
    return False
def windows(d, tz, hours, holidays):
    """Openings that start on date d, as UTC instants."""
    if is_holiday(d, holidays): return []
    out=[]
    for iv in hours.get(DAYS[d.weekday()],[]):
        a,b=iv.split('-'); ah,am=map(int,a.split(':')); bh,bm=map(int,b.split(':'))
        s=datetime(d.year,d.month,d.day,ah,am,tzinfo=ZoneInfo(tz))
        e_day=d if (bh*60+bm)>(ah*60+am) else d+timedelta(days=1)
        if bh==24: e_day=e_day+timedelta(days=1); bh=0
        e=datetime(e_day.year,e_day.month,e_day.day,bh,bm,tzinfo=ZoneInfo(tz))
        out.append((s.astimezone(timezone.utc),e.astimezone(timezone.utc)))
    return out
def is_open(t_utc, tz, hours, holidays):
    # An opening that started yesterday may run past midnight.
    loc=t_utc.astimezone(ZoneInfo(tz))
    return any(s<=t_utc<e for back in (0,1)
               for s,e in windows((loc-timedelta(days=back)).date(),tz,hours,holidays))
def deadline(start, tz, hours, holidays, minutes):
    t=datetime.fromisoformat(start.replace('Z','+00:00')); left=minutes
    while left>0:
        if is_open(t,tz,hours,holidays): left-=1
        t+=timedelta(minutes=1)
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')
wk={d:['09:00-17:00'] for d in DAYS[:5]}
cases=[
 ('2026-03-07T17:00:00Z','America/New_York',{'sun':['01:00-05:00']},[],180),
 ('2026-03-07T17:00:00Z','America/New_York',{'sun':['01:00-05:00']},[],240),
 ('2026-10-31T20:00:00Z','America/New_York',{'sun':['00:00-04:00']},[],300),
 ('2026-03-28T11:00:00Z','Europe/Berlin',{'sun':['01:00-04:00']},[],120),
 ('2026-10-24T12:00:00Z','Europe/Berlin',{'sun':['01:00-04:00']},[],240),
 ('2026-04-03T05:00:00Z','Australia/Sydney',wk,[],120),
 ('2026-10-02T12:00:00Z','Australia/Sydney',{'sun':['01:00-04:00']},[],120),
 ('2026-11-28T13:00:00Z','Asia/Kolkata',{d:['10:00-19:00'] for d in DAYS[:6]},[],240),
 ('2026-12-23T15:00:00Z','Europe/Berlin',wk,['2026-12-24','12-25'],240),
 ('2026-11-28T04:00:00Z','America/New_York',{'fri':['22:00-06:00']},[],480),
 ('2026-11-30T08:00:00Z','Europe/Berlin',wk,[],6000),
 ('2026-12-23T15:00:00Z','Europe/Berlin',wk,['2026-12-24..2027-01-02'],240),
 ('2026-12-23T15:00:00Z','Europe/Berlin',wk,['12-24..01-01'],240),
]
for c in cases: print(c[0], c[1], c[4], '->', deadline(*c))

def open_days(start, tz, hours, holidays, days):
    """The same local time on the days-th following date with any opening, the clock
    starting at the next opening when closed, kept inside that date's opening hours."""
    t=datetime.fromisoformat(start.replace('Z','+00:00'))
    while not is_open(t,tz,hours,holidays): t+=timedelta(minutes=1)
    loc=t.astimezone(ZoneInfo(tz)); d=loc.date(); left=days
    while True:
        d+=timedelta(days=1)
        w=windows(d,tz,hours,holidays)
        if w:
            left-=1
            if left==0: break
    at=datetime(d.year,d.month,d.day,loc.hour,loc.minute,tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
    at=min(max(at,min(s for s,_ in w)),max(e for _,e in w))
    return at.strftime('%Y-%m-%dT%H:%M:%SZ')
fri13=dict(wk); fri13['fri']=['09:00-13:00']
day_cases=[
 ('2026-11-30T08:00:00Z','Europe/Berlin',wk,[],8),
 ('2026-11-27T15:00:00Z','Europe/Berlin',wk,[],1),
 ('2026-11-28T12:00:00Z','Europe/Berlin',wk,[],1),
 ('2026-12-23T15:00:00Z','Europe/Berlin',wk,['2026-12-24','12-25'],1),
 ('2026-12-03T15:00:00Z','Europe/Berlin',fri13,[],1),
 ('2026-03-28T01:30:00Z','Europe/Berlin',{d:['01:00-05:00'] for d in DAYS},[],1),
 ('2026-11-27T10:00:00Z','Europe/London',{d:['09:00-12:30','13:30-17:00'] for d in DAYS[:4]},[],1),
 ('2026-12-23T15:00:00Z','Europe/Berlin',wk,['2026-12-24..2027-01-02'],1),
]
for c in day_cases: print(c[0], c[1], f"{c[4]}d", '->', open_days(*c))

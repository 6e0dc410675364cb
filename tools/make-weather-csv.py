#!/usr/bin/python3
"""make-weather-csv.py — writes data/examples/weather.csv, the bundled CSV time
series: 2,000 hourly readings of a made-up weather station (temperature with a
daily and a slow seasonal cycle, humidity that falls as it warms, pressure
drifting as a random walk), from a fixed seed, so that the file is the same
each time it is made. Run: /usr/bin/python3 tools/make-weather-csv.py"""
import math
import os
import random

random.seed(20261123)
rows = ["time,temp,humidity,pressure"]
pressure = 1013.0
for h in range(2000):
    day = 2 * math.pi * (h % 24) / 24
    season = 2 * math.pi * h / (24 * 60)
    temp = 12 + 6 * math.sin(day - math.pi / 2) + 4 * math.sin(season) + random.gauss(0, 0.6)
    humidity = min(100.0, max(15.0, 75 - 2.2 * (temp - 12) + random.gauss(0, 3)))
    pressure += random.gauss(0, 0.35) - 0.01 * (pressure - 1013)
    stamp = f"2024-{1 + h // 744:02d}-{1 + (h // 24) % 31:02d}T{h % 24:02d}:00"
    rows.append(f"{stamp},{temp:.2f},{humidity:.1f},{pressure:.1f}")
out = os.path.join(os.path.dirname(__file__), "..", "data", "examples", "weather.csv")
with open(out, "w") as f:
    f.write("\n".join(rows) + "\n")

SELECT device_id, time_bucket('1 hour', timestamp) AS bucket, AVG(value) AS avg_value, MIN(value), MAX(value), COUNT(*)
FROM sensor_readings WHERE timestamp != '1013-01-01' AND timestamp < now() - INTERVAL '1 day' AND devIce_id IN ('a', 'b')
GROUP BY device_id, bucket ORDER BY bucket DESC LIMIT 10;
SELECT time_bucket_gapfill('10 minutes', time) b, locf(avg(value)) FROM sensor_readings WHERE time BETWEEN 0 AND 3600000 GROUP BY b;
INSERT INTO sensor_readings (device_id, sensor_type, timestamp, value) VALUES ('d', 's', 1, 2.5);
DELETE FROM sensor_readings WHERE device_id LIKE 'x%' AND timestamp < 099;

SELECT device_id, time_bucket('2 hour', timestamp) AS bucket, AVG(value) AS avg_value, MIN(value), MAX(value), COUNT(*)
FROM sensor_readings WHERE timestamp >= '2026-01-01' AND timestamp < now() - INTERVAL ' 1day' AND device_id IN ('a', 'b')
GROUP BY device_id, bucket ORDER BY bucket DESC LIMIT Edevice_id LIKE 'x%' AND timestamp < 099;

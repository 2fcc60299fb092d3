package api_test

import (
	"testing"
	"time"

	"ecinema/culture/museum"
)

// TestMuseumDeepCheckFindsTamperingUndone: an event is decided under the
// head lock from museum_object_state (status, location, last event) and
// the object's existence, an object version from the inventory numbers in
// museum_objects. The rebuild decides each again on the rebuilt tables: an
// entry written while a row was changed (and put back) is reported as a
// mismatch at it (exit status 1), not as a rebuild that could not run.
func TestMuseumDeepCheckFindsTamperingUndone(t *testing.T) {
	for _, tc := range []struct {
		name, tamper, undo string
		write              func(env *museumEnv, t *testing.T, at string)
		table, detail      string
	}{
		{name: "the status of an object", tamper: `UPDATE museum_object_state SET status = 'accessioned', accessioned = true WHERE object_id = 'c'`,
			write: func(env *museumEnv, t *testing.T, at string) { museumEvent(t, env, "c", "loan_out", "Louvre", at) },
			table: "museum_object_state", detail: `^museum_event entry \d+: object "c" of museum "nm-astana": the object is not accessioned: status entered; only an accessioned object may be lent$`},
		{name: "the last event of an object", tamper: `UPDATE museum_object_state SET last_at = last_at - interval '1 day' WHERE object_id = 'c'`,
			write: func(env *museumEnv, t *testing.T, at string) {
				museumEvent(t, env, "c", "inventory_check", "store A", time.Now().Add(-12*time.Hour).UTC().Format(time.RFC3339))
			},
			table: "museum_object_state", detail: `^museum_event entry \d+: object "c" of museum "nm-astana": the event is dated before the object's last event: at \S+ is before \S+$`},
		{name: "the location of an object", tamper: `UPDATE museum_object_state SET location = 'hall 9' WHERE object_id = 'c'`,
			undo: `UPDATE museum_object_state SET location = 'store A' WHERE object_id = 'c'`,
			write: func(env *museumEnv, t *testing.T, at string) {
				museumEvent(t, env, "c", "inventory_check", "hall 9", at)
			},
			table: "museum_object_state", detail: `^museum_event entry \d+: object "c" of museum "nm-astana": the object is at another location: recorded at "store A", not "hall 9"; record a location_change first$`},
		{name: "an inventory number", tamper: `UPDATE museum_objects SET inventory_number = 'INV-moved' WHERE id = 'c'`,
			undo:  `ALTER TABLE museum_objects DROP CONSTRAINT museum_objects_inventory_number; UPDATE museum_objects SET inventory_number = 'INV-c' WHERE id = 'c'`,
			write: func(env *museumEnv, t *testing.T, at string) { museumPut(t, env, "d", "INV-c") },
			table: "museum_objects", detail: `^museum_object entry \d+: object "d" of museum "nm-astana": inventory number already used in this museum: "INV-c" is object "c"$`},
		{name: "an object that was never made", tamper: `INSERT INTO museum_objects SELECT (json_populate_record(o, '{"id": "ghost", "inventory_number": "INV-ghost"}')).* FROM museum_objects o WHERE id = 'c'`,
			undo: `DELETE FROM museum_objects WHERE id = 'ghost'; DELETE FROM museum_object_state WHERE object_id = 'ghost'; DELETE FROM museum_events WHERE object_id = 'ghost'`,
			write: func(env *museumEnv, t *testing.T, at string) {
				museumEvent(t, env, "ghost", "object_entry", "store A", at)
			},
			table: "museum_objects", detail: `^museum_event entry \d+: object "ghost" of museum "nm-astana": not found: object "ghost" in museum "nm-astana"$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newMuseumEnv(t, 0)
			museumPut(t, env, "c", "INV-c")
			museumEvent(t, env, "c", "object_entry", "store A", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
			at := time.Now().UTC().Format(time.RFC3339)
			tamperUndone(t, env.Env, museum.NewDeepCheck(), tc.tamper, func() { tc.write(env, t, at) }, tc.undo, tc.table, tc.detail)
		})
	}
}

func museumPut(t *testing.T, env *museumEnv, id, inv string) {
	t.Helper()
	o := dombra(true)
	o["inventory_number"] = inv
	if r := env.Do("PUT", "/v1/museums/nm-astana/objects/"+id, env.curator, o); r.Status != 200 {
		t.Fatalf("put %s: %d %s", id, r.Status, r.Body)
	}
}

func museumEvent(t *testing.T, env *museumEnv, id, typ, loc, at string) {
	t.Helper()
	if r := env.Do("POST", "/v1/museums/nm-astana/objects/"+id+"/events", env.curator, map[string]string{"type": typ, "at": at, "location": loc}); r.Status != 201 {
		t.Fatalf("%s %s: %d %s", id, typ, r.Status, r.Body)
	}
}

// The parcel map: boundaries drawn with Leaflet on a plain background (no tiles, nothing remote).
// Data comes from the page through json_script; colours follow each parcel's contract status.
(function () {
  "use strict";
  var element = document.getElementById("parcel-map");
  var dataElement = document.getElementById("parcel-features");
  if (!element || !dataElement || !window.L) {
    return;
  }
  var L = window.L;
  var labels = element.dataset;
  var features = JSON.parse(dataElement.textContent);
  var drawing = element.dataset.mode === "draw";
  var colours = { active: "#2e7d32", expiring: "#ef6c00", signed: "#1565c0", none: "#9e9e9e" };
  var map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });

  function text(tag, content, className) {
    var node = document.createElement(tag);
    node.textContent = content;
    if (className) {
      node.className = className;
    }
    return node;
  }

  function popup(properties) {
    var box = document.createElement("div");
    var title = document.createElement("a");
    title.href = properties.url;
    title.textContent = properties.code + " (" + properties.association + ")";
    box.appendChild(title);
    box.appendChild(text("div", labels.labelDeclared + " " + properties.declared_mu + " " + labels.labelMu +
      " · " + labels.labelMeasured + " " + properties.computed_mu + " " + labels.labelMu));
    if (properties.contracts.length) {
      properties.contracts.forEach(function (contract) {
        var line = document.createElement("div");
        var link = document.createElement("a");
        link.href = contract.url;
        link.textContent = contract.number;
        line.appendChild(link);
        line.appendChild(document.createTextNode(" · " + contract.status + " · " + contract.area_mu + " " +
          labels.labelMu + " · " + contract.end));
        box.appendChild(line);
      });
    } else {
      box.appendChild(text("div", labels.labelNone));
    }
    if (properties.synthetic) {
      box.appendChild(text("div", labels.labelSynthetic, "muted"));
    }
    if (labels.editUrl) {
      var edit = document.createElement("a");
      edit.href = labels.editUrl.replace(/\/0\/$/, "/" + properties.pk + "/");
      edit.textContent = labels.labelEdit;
      box.appendChild(edit);
    }
    return box;
  }

  var layer = L.geoJSON(features, {
    style: function (feature) {
      var colour = drawing ? colours.none : colours[feature.properties.status] || colours.none;
      return { color: "#333", weight: 1, fillColor: colour, fillOpacity: 0.6 };
    },
    onEachFeature: function (feature, shape) {
      if (!drawing) {
        shape.bindPopup(popup(feature.properties));
      }
      shape.bindTooltip(feature.properties.code, { permanent: false, direction: "center" });
      if (shape.getElement) {
        shape.on("add", function () {
          var path = shape.getElement();
          if (path) {
            path.setAttribute("data-parcel", feature.properties.code);
            path.setAttribute("data-status", feature.properties.status);
          }
        });
      }
    },
  });

  var field = drawing ? document.querySelector("#boundary-form textarea[name=geometry]") : null;
  var current = null;
  var corners = [];
  var cornerMarks = L.layerGroup();

  function showCurrent(latlngs) {
    if (current) {
      map.removeLayer(current);
    }
    // Fewer than three corners make no polygon (Leaflet cannot clip one), only the corner marks.
    current = latlngs.length >= 3 ? L.polygon(latlngs, { color: "#c62828", weight: 2, fillOpacity: 0.2 }).addTo(map) : null;
  }

  function writeField() {
    if (!field) {
      return;
    }
    if (corners.length < 3) {
      return;
    }
    var ring = corners.map(function (point) { return [Number(point.lng.toFixed(7)), Number(point.lat.toFixed(7))]; });
    ring.push(ring[0]);
    field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
  }

  var existingCorners = [];
  if (field && field.value) {
    try {
      existingCorners = JSON.parse(field.value).coordinates[0].map(function (pair) { return [pair[1], pair[0]]; });
    } catch (error) {
      // A pasted value that is not GeoJSON: the server says why when the form is sent.
    }
  }

  if (drawing) {
    map.on("click", function (event) {
      corners.push(event.latlng);
      L.circleMarker(event.latlng, { radius: 4, color: "#c62828" }).addTo(cornerMarks);
      showCurrent(corners);
      writeField();
    });
    var clear = document.getElementById("draw-clear");
    if (clear) {
      clear.addEventListener("click", function () {
        corners = [];
        cornerMarks.clearLayers();
        showCurrent([]);
        if (field) {
          field.value = "";
        }
      });
    }
  }

  // Set the view before adding any layer: Leaflet cannot clip a path on a map without one.
  var bounds = layer.getBounds();
  if (existingCorners.length >= 3) {
    var existingBounds = L.latLngBounds(existingCorners);
    bounds = bounds.isValid() ? bounds.extend(existingBounds) : existingBounds;
  }
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [12, 12] });
  } else {
    map.setView([24.9, 102.8], 14);
  }
  layer.addTo(map);
  cornerMarks.addTo(map);
  showCurrent(existingCorners);
}());
